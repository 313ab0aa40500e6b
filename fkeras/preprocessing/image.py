"""``keras.preprocessing.image``: ``ImageDataGenerator`` and its iterators, image helpers.

The iterators are ``keras.utils.PyDataset``s (``len()``, ``it[i]``, ``on_epoch_end``), so
``model.fit(datagen.flow(x, y))`` and ``model.fit(datagen.flow_from_directory(...))`` consume them
directly; iterating them with ``next()`` loops forever, as in tf.keras.

Augmentation is applied to a whole batch at once: per-image parameters are drawn as arrays, the
affine maps are composed with ``einsum``, and bilinear resampling (the default
``interpolation_order=1`` with ``fill_mode`` nearest/reflect/constant) is four vectorized gathers per
channel over the whole batch, equal to ``scipy.ndimage.affine_transform``'s result. Other spline
orders and ``fill_mode="wrap"`` use ``scipy.ndimage.affine_transform`` per image and channel. Randomness
comes from ``numpy.random.Generator``s keyed by ``(seed, epoch, batch index)``, so a ``seed`` gives the
same batches run after run, and
without one the stream follows ``keras.utils.set_random_seed``.

Geometry follows tf.keras 2: ``tx`` (drawn from ``height_shift_range``) moves along the row axis,
``ty`` (``width_shift_range``) along the column axis; ``apply_transform(x, {"tx": n})`` maps output
row ``r`` to input row ``r + n``, i.e. the content moves up by ``n`` rows.

Example:

```python
datagen = ImageDataGenerator(rescale=1 / 255, rotation_range=15, width_shift_range=0.1,
                             horizontal_flip=True, validation_split=0.2)
train = datagen.flow_from_directory("data/", target_size=(64, 64), subset="training", seed=1)
val = datagen.flow_from_directory("data/", target_size=(64, 64), subset="validation", seed=1)
model.fit(train, validation_data=val, epochs=5)
```
"""
from __future__ import annotations

import os
import threading
import warnings

import numpy as np

from fkeras.backend import config
from fkeras.backend.random_state import draw_seed
from fkeras.utils import image_utils, io_utils
from fkeras.utils.image_utils import array_to_img, img_to_array, load_img, save_img, smart_resize
from fkeras.utils.py_dataset import PyDataset

__all__ = [
    "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator", "apply_affine_transform",
    "apply_brightness_shift", "apply_channel_shift", "random_brightness", "random_channel_shift",
    "random_rotation", "random_shear", "random_shift", "random_zoom", "array_to_img", "img_to_array",
    "load_img", "save_img", "smart_resize",
]

_FILL_MODES = ("constant", "nearest", "reflect", "wrap")
_CHUNK_PIXELS = 1 << 20  # images resampled together: about this many pixels per chunk


class _OutOfRange(IndexError, ValueError):
    pass


def _seed_words(seed):
    return int(seed) & 0xFFFFFFFFFFFFFFFF


# ---------------------------------------------------------------------------------------------------
# Iterators
# ---------------------------------------------------------------------------------------------------

class Iterator(PyDataset):
    """Base class of the image iterators: batches by index, reshuffled at each epoch end.

    Subclasses implement ``_get_batches_of_transformed_samples(index_array, rng)``.

    Args:
        n: The number of samples.
        batch_size: The number of samples per batch, a positive int.
        shuffle: Whether to shuffle the samples' order at each epoch.
        seed: The seed of the shuffles and of the augmentation, or ``None``.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        super().__init__()
        if not isinstance(batch_size, (int, np.integer)) or batch_size <= 0:
            raise ValueError(f"`batch_size` must be a positive integer; received batch_size={batch_size!r}.")
        self.n = int(n)
        self.batch_size = int(batch_size)
        self.seed = seed
        self.shuffle = shuffle
        self._base_seed = _seed_words(seed if seed is not None else draw_seed())
        self.epoch = 0
        self.batch_index = 0
        self.total_batches_seen = 0
        self.index_array = None
        self.lock = threading.Lock()

    def _set_index_array(self):
        if self.shuffle:
            rng = np.random.default_rng([self._base_seed, self.epoch, 0])
            self.index_array = rng.permutation(self.n)
        else:
            self.index_array = np.arange(self.n)

    def _batch_rng(self, epoch, idx):
        return np.random.default_rng([self._base_seed, epoch, 1, idx])

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    def __getitem__(self, idx):
        n_batches = len(self)
        if idx < 0:
            idx += n_batches
        if not 0 <= idx < n_batches:
            raise _OutOfRange(f"Asked to retrieve element {idx}, but the Sequence has length {n_batches}")
        with self.lock:
            if self.index_array is None:
                self._set_index_array()
            index_array = self.index_array[self.batch_size * idx: self.batch_size * (idx + 1)]
            epoch = self.epoch
            self.total_batches_seen += 1
        return self._get_batches_of_transformed_samples(index_array, self._batch_rng(epoch, idx))

    def on_epoch_end(self):
        with self.lock:
            self.epoch += 1
            self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            if self.index_array is None:
                self._set_index_array()
            if self.n == 0:
                raise StopIteration
            idx, epoch = self.batch_index, self.epoch
            index_array = self.index_array[self.batch_size * idx: self.batch_size * (idx + 1)]
            self.batch_index += 1
            self.total_batches_seen += 1
            if self.batch_index >= len(self):
                self.batch_index = 0
                self.epoch += 1
                self._set_index_array()
        return self._get_batches_of_transformed_samples(index_array, self._batch_rng(epoch, idx))

    def _get_batches_of_transformed_samples(self, index_array, rng=None):
        raise NotImplementedError

    def _save_batch(self, batch_x, index_array, rng):
        if not self.save_to_dir:
            return
        for i, j in enumerate(index_array):
            img = array_to_img(batch_x[i], self.data_format, scale=True)
            fname = f"{self.save_prefix}_{j}_{rng.integers(10**7)}.{self.save_format}"
            img.save(os.path.join(self.save_to_dir, fname))


class NumpyArrayIterator(Iterator):
    """Batches of (augmented) images from a rank-4 numpy array (``ImageDataGenerator.flow``).

    Args:
        x: A rank-4 array of images, or a tuple ``(images, extra)`` whose extra array(s) are returned with each
            batch's images.
        y: The labels (one per image), or ``None``.
        image_data_generator: The ``ImageDataGenerator`` that augments and normalizes the images.
        batch_size: The number of images per batch. Defaults to 32.
        shuffle: Whether to shuffle the order at each epoch. Defaults to False.
        sample_weight: Per-image weights returned with each batch, or ``None``.
        seed: The seed of the shuffles and of the augmentation, or ``None``.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses the global setting.
        save_to_dir: A folder where each augmented image is also saved (to see what the model sees), or ``None``.
        save_prefix: The file name prefix of the saved images.
        save_format: The file format of the saved images (``"png"`` or ``"jpeg"``).
        subset: ``"training"`` or ``"validation"``: the part of the data given by the generator's
            ``validation_split``; ``None`` uses all of it.
        ignore_class_split: If True, do not check that every class appears in both subsets.
        dtype: The dtype of the batches' images; ``None`` uses ``keras.config.floatx()``.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False, sample_weight=None, seed=None,
                 data_format=None, save_to_dir=None, save_prefix="", save_format="png", subset=None,
                 ignore_class_split=False, dtype=None):
        data_format = config.standardize_data_format(data_format)
        self.dtype = dtype or config.floatx()
        if isinstance(x, (tuple, list)):
            x_misc = [np.asarray(x[1])] if not isinstance(x[1], list) else [np.asarray(v) for v in x[1]]
            x = x[0]
            for v in x_misc:
                if len(x) != len(v):
                    raise ValueError("All of the arrays in `x` should have the same length. Found a pair with: "
                                     f"len(x[0]) = {len(x)}, len(x[?]) = {len(v)}")
        else:
            x_misc = []
        if y is not None and len(x) != len(y):
            raise ValueError("`x` (images tensor) and `y` (labels) should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, y.shape = {np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError("`x` (images tensor) and `sample_weight` should have the same length. Found: "
                             f"x.shape = {np.asarray(x).shape}, sample_weight.shape = "
                             f"{np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation".')
            split_idx = int(len(x) * image_data_generator._validation_split)
            if (y is not None and not ignore_class_split
                    and not np.array_equal(np.unique(y[:split_idx]), np.unique(y[split_idx:]))):
                raise ValueError("Training and validation subsets have different number of classes after the "
                                 "split. If your numpy arrays are sorted by the label, you might want to shuffle "
                                 "them.")
            sl = slice(None, split_idx) if subset == "validation" else slice(split_idx, None)
            x = x[sl]
            x_misc = [np.asarray(v[sl]) for v in x_misc]
            if y is not None:
                y = y[sl]
            if sample_weight is not None:
                sample_weight = sample_weight[sl]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = x_misc
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You passed an array with "
                             f"shape {self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in (1, 3, 4):
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention "{data_format}" '
                          f"(channels on axis {channels_axis}), i.e. expected either 1, 3, or 4 channels on axis "
                          f"{channels_axis}. However, it was passed an array with shape {self.x.shape} "
                          f"({self.x.shape[channels_axis]} channels).", stacklevel=3)
        self.y = np.asarray(y) if y is not None else None
        self.sample_weight = np.asarray(sample_weight) if sample_weight is not None else None
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array, rng=None):
        rng = rng if rng is not None else np.random.default_rng()
        batch_x = np.array(self.x[index_array], dtype=self.dtype)
        batch_x = self.image_data_generator._augment_batch(batch_x, rng)
        self._save_batch(batch_x, index_array, rng)
        miscs = [v[index_array] for v in self.x_misc]
        inputs = batch_x if not miscs else [batch_x] + miscs
        if self.y is None:
            return inputs
        out = (inputs, self.y[index_array])
        if self.sample_weight is not None:
            out += (self.sample_weight[index_array],)
        return out


def _iter_valid_files(directory, formats, follow_links):
    for root, _, files in sorted(os.walk(directory, followlinks=follow_links), key=lambda t: t[0]):
        for fname in sorted(files):
            if fname.lower().endswith(formats):
                yield root, fname


class DirectoryIterator(Iterator):
    """Batches of (augmented) images read from ``directory/<class name>/*`` (``flow_from_directory``).

    Attributes: ``class_indices`` (``{class name: index}``, sorted sub-folder names unless ``classes``
    is given), ``classes`` (label of each file), ``filenames`` (paths relative to ``directory``),
    ``filepaths``, ``samples``, ``num_classes``.

    Args:
        directory: The folder with one sub-folder of images per class.
        image_data_generator: The ``ImageDataGenerator`` that augments and normalizes the images.
        target_size: ``(height, width)`` every image is resized to. Defaults to ``(256, 256)``.
        color_mode: ``"rgb"`` (the default), ``"rgba"`` or ``"grayscale"``.
        classes: The sub-folder names to use, in label order; ``None`` uses every sub-folder, sorted.
        class_mode: The labels' form: ``"categorical"`` (one-hot, the default), ``"binary"``, ``"sparse"``
            (integers), ``"input"`` (the images themselves) or ``None`` (no labels).
        batch_size: The number of images per batch. Defaults to 32.
        shuffle: Whether to shuffle the order at each epoch. Defaults to True.
        seed: The seed of the shuffles and of the augmentation, or ``None``.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` uses the global setting.
        save_to_dir: A folder where each augmented image is also saved, or ``None``.
        save_prefix: The file name prefix of the saved images.
        save_format: The file format of the saved images (``"png"`` or ``"jpeg"``).
        follow_links: Whether to follow symbolic links to sub-folders. Defaults to False.
        subset: ``"training"`` or ``"validation"``, with the generator's ``validation_split``; ``None`` uses every
            image.
        interpolation: How images are resized: ``"nearest"`` (the default), ``"bilinear"``, ``"bicubic"``...
        keep_aspect_ratio: Crop images to the target aspect ratio before resizing, rather than stretching them.
            Defaults to False.
        dtype: The dtype of the batches' images; ``None`` uses ``keras.config.floatx()``.
    """

    allowed_class_modes = ("categorical", "binary", "sparse", "input", None)

    def __init__(self, directory, image_data_generator, target_size=(256, 256), color_mode="rgb", classes=None,
                 class_mode="categorical", batch_size=32, shuffle=True, seed=None, data_format=None,
                 save_to_dir=None, save_prefix="", save_format="png", follow_links=False, subset=None,
                 interpolation="nearest", keep_aspect_ratio=False, dtype=None):
        data_format = config.standardize_data_format(data_format)
        self.dtype = dtype or config.floatx()
        self.image_data_generator = image_data_generator
        if len(tuple(target_size)) != 2:
            raise ValueError(f"`target_size` must be (height, width); received target_size={target_size!r}.")
        self.target_size = tuple(int(s) for s in target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f'Invalid color mode: {color_mode!r}; expected "rgb", "rgba", or "grayscale".')
        self.color_mode = color_mode
        self.data_format = data_format
        channels = {"rgb": 3, "rgba": 4, "grayscale": 1}[color_mode]
        self.image_shape = (self.target_size + (channels,) if data_format == "channels_last"
                            else (channels,) + self.target_size)
        self.save_to_dir, self.save_prefix, self.save_format = save_to_dir, save_prefix, save_format
        image_utils._pil_resample(interpolation)  # validate early
        self.interpolation = interpolation
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode!r}; expected one of: {self.allowed_class_modes}")
        self.class_mode = class_mode
        if subset is not None:
            vs = image_data_generator._validation_split if image_data_generator is not None else 0.0
            if subset not in ("training", "validation"):
                raise ValueError(f'Invalid subset name: {subset!r}; expected "training" or "validation".')
            if not vs:
                raise ValueError(f"`subset={subset!r}` needs `validation_split` to be set in ImageDataGenerator.")
            self.split = (0.0, vs) if subset == "validation" else (vs, 1.0)
        else:
            self.split = None
        self.subset = subset

        directory = os.fspath(directory)
        if not os.path.isdir(directory):
            raise FileNotFoundError(f"flow_from_directory: the directory {directory!r} does not exist "
                                    "(or is not a directory).")
        self.directory = directory
        if not classes:
            classes = sorted(d for d in os.listdir(directory) if os.path.isdir(os.path.join(directory, d)))
            if not classes:
                raise ValueError(f"flow_from_directory: found no class sub-folders in {directory!r}. Put the "
                                 "images of each class in their own sub-folder (directory/<class>/*.jpg).")
        else:
            classes = list(classes)
            for c in classes:
                if not os.path.isdir(os.path.join(directory, c)):
                    raise FileNotFoundError(f"flow_from_directory: the class folder {os.path.join(directory, c)!r} "
                                            f"(from `classes`) does not exist.")
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))

        self.filenames, labels = [], []
        for c in classes:
            sub = os.path.join(directory, c)
            files = list(_iter_valid_files(sub, self.white_list_formats, follow_links))
            if not files:
                raise ValueError(f"flow_from_directory: the class folder {sub!r} contains no images with an "
                                 f"allowed extension {self.white_list_formats}.")
            if self.split:
                start, stop = int(self.split[0] * len(files)), int(self.split[1] * len(files))
                files = files[start:stop]
            for root, fname in files:
                self.filenames.append(os.path.join(c, os.path.relpath(os.path.join(root, fname), sub)))
                labels.append(self.class_indices[c])
        self.samples = len(self.filenames)
        self.classes = np.asarray(labels, dtype="int32")
        self._filepaths = [os.path.join(directory, f) for f in self.filenames]
        io_utils.print_msg(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None

    def _load(self, path):
        img = load_img(path, color_mode=self.color_mode, target_size=self.target_size,
                       interpolation=self.interpolation, keep_aspect_ratio=self.keep_aspect_ratio)
        x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
        img.close()
        if x.shape != self.image_shape:  # e.g. a 16-bit grayscale file read as "I"
            raise ValueError(f"Image {path!r} loaded with shape {x.shape}, expected {self.image_shape}.")
        return x

    def _get_batches_of_transformed_samples(self, index_array, rng=None):
        rng = rng if rng is not None else np.random.default_rng()
        paths = [self._filepaths[j] for j in index_array]
        batch_x = np.empty((len(paths),) + self.image_shape, dtype=self.dtype)
        if len(paths) > 2:
            for i, x in enumerate(image_utils.load_pool().map(self._load, paths)):
                batch_x[i] = x
        else:
            for i, p in enumerate(paths):
                batch_x[i] = self._load(p)
        if self.image_data_generator is not None:
            batch_x = self.image_data_generator._augment_batch(batch_x, rng)
        self._save_batch(batch_x, index_array, rng)
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = self.classes[index_array].astype(self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
        else:
            return batch_x
        return batch_x, batch_y


# ---------------------------------------------------------------------------------------------------
# Transforms
# ---------------------------------------------------------------------------------------------------

def _shift_values(rng, spec, n, size):
    """Draw ``n`` shifts (pixels) from a tf.keras shift-range spec for an axis of length ``size``."""
    if not spec:
        return np.zeros(n)
    if isinstance(spec, (int, np.integer)) or isinstance(spec, (list, tuple, np.ndarray)):
        choices = np.arange(int(spec)) if isinstance(spec, (int, np.integer)) else np.asarray(spec, dtype=float)
        vals = rng.choice(choices, size=n).astype(float) * rng.choice(np.array([-1.0, 1.0]), size=n)
    else:
        vals = rng.uniform(-float(spec), float(spec), size=n)
    if np.max(spec) < 1:
        vals = vals * size
    return vals


def _affine_matrices(theta, tx, ty, shear, zx, zy, h, w):
    """Per-image 3x3 maps output (row, col, 1) -> input (row, col, 1), composed like tf.keras 2."""
    n = len(theta)
    t = np.deg2rad(theta)
    s = np.deg2rad(shear)
    eye = np.broadcast_to(np.eye(3), (n, 3, 3))
    rot = eye.copy()
    rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1] = np.cos(t), -np.sin(t), np.sin(t), np.cos(t)
    shift = eye.copy()
    shift[:, 0, 2], shift[:, 1, 2] = tx, ty
    sh = eye.copy()
    sh[:, 0, 1], sh[:, 1, 1] = -np.sin(s), np.cos(s)
    zoom = eye.copy()
    zoom[:, 0, 0], zoom[:, 1, 1] = zx, zy
    m = np.einsum("nij,njk,nkl,nlm->nim", rot, shift, sh, zoom)
    o_r, o_c = h / 2 - 0.5, w / 2 - 0.5
    offset = np.array([[1, 0, o_r], [0, 1, o_c], [0, 0, 1]], dtype=float)
    reset = np.array([[1, 0, -o_r], [0, 1, -o_c], [0, 0, 1]], dtype=float)
    return np.einsum("ij,njk,kl->nil", offset, m, reset)


def _remap_index(i, n, mode):
    """Map integer sample positions outside ``[0, n)`` back inside, as scipy.ndimage's ``mode`` does."""
    if mode == "reflect":  # half-sample symmetric: d c b a | a b c d | d c b a
        m = np.mod(i, 2 * n)
        return np.where(m >= n, 2 * n - 1 - m, m)
    return np.clip(i, 0, n - 1)  # "nearest"; "constant" masks the outside afterwards


def _bilinear_batch(x, mats, fill_mode, cval):
    """Bilinear resampling of a channels-last batch ``x`` (n, h, w, c) through per-image maps, all at once:
    four ``take`` gathers per channel over the whole batch. Equals ``scipy.ndimage.affine_transform``
    with ``order=1`` for the modes ``nearest``, ``reflect`` and ``constant``."""
    n, h, w, c = x.shape
    rr = np.arange(h, dtype=np.float64)[:, None]
    cc = np.arange(w, dtype=np.float64)[None, :]
    in_r = mats[:, 0, 0, None, None] * rr + mats[:, 0, 1, None, None] * cc + mats[:, 0, 2, None, None]
    in_c = mats[:, 1, 0, None, None] * rr + mats[:, 1, 1, None, None] * cc + mats[:, 1, 2, None, None]
    r0, c0 = np.floor(in_r), np.floor(in_c)
    fr, fc = (in_r - r0).astype(x.dtype), (in_c - c0).astype(x.dtype)
    r0, c0 = r0.astype(np.intp), c0.astype(np.intp)
    base = (np.arange(n, dtype=np.intp) * (h * w))[:, None, None]
    row0 = _remap_index(r0, h, fill_mode) * w + base
    row1 = _remap_index(r0 + 1, h, fill_mode) * w + base
    col0, col1 = _remap_index(c0, w, fill_mode), _remap_index(c0 + 1, w, fill_mode)
    i00, i01, i10, i11 = row0 + col0, row0 + col1, row1 + col0, row1 + col1
    planes = np.ascontiguousarray(np.moveaxis(x, -1, 0)).reshape(c, -1)
    out = np.empty((c, n, h, w), dtype=x.dtype)
    for ch in range(c):
        plane = planes[ch]
        a, b = plane.take(i00), plane.take(i01)
        top = a + (b - a) * fc
        a, b = plane.take(i10), plane.take(i11)
        bottom = a + (b - a) * fc
        out[ch] = top + (bottom - top) * fr
    if fill_mode == "constant":  # scipy's "constant": no interpolation beyond the edges
        out[:, (in_r < 0) | (in_r > h - 1) | (in_c < 0) | (in_c > w - 1)] = cval
    return np.moveaxis(out, 0, -1)


def _resample_batch(x, mats, row_axis, col_axis, channel_axis, fill_mode, cval, order):
    """Resample every image of ``x`` (rank 4) through its 3x3 map in ``mats`` (output -> input coords)."""
    x = np.moveaxis(x, (row_axis, col_axis, channel_axis), (1, 2, 3))  # (n, h, w, c) view
    n, h, w, c = x.shape
    if order == 1 and fill_mode in ("nearest", "reflect", "constant"):
        out = np.empty(x.shape, dtype=x.dtype)
        step = max(1, _CHUNK_PIXELS // max(1, h * w))
        for lo in range(0, n, step):
            out[lo: lo + step] = _bilinear_batch(x[lo: lo + step], mats[lo: lo + step], fill_mode, cval)
    else:  # other spline orders / "wrap": scipy, one call per image and channel (tf.keras's algorithm)
        import scipy.ndimage as ndi

        out = np.empty(x.shape, dtype=x.dtype)
        for i in range(n):
            for ch in range(c):
                out[i, ..., ch] = ndi.affine_transform(x[i, ..., ch], mats[i, :2, :2], mats[i, :2, 2], order=order,
                                                       mode=fill_mode, cval=cval)
    return np.moveaxis(out, (1, 2, 3), (row_axis, col_axis, channel_axis))


class ImageDataGenerator:
    """Real-time image augmentation and normalization, streamed in batches (tf.keras's).

    Args:
        featurewise_center: subtract the dataset's mean, per channel (call ``fit`` first).
            Defaults to False.
        samplewise_center: subtract each image's own mean. Defaults to False.
        featurewise_std_normalization: divide by the dataset's std, per channel (call ``fit``
            first). Defaults to False.
        samplewise_std_normalization: divide each image by its own std. Defaults to False.
        zca_whitening: apply ZCA whitening (call ``fit`` first). Defaults to False.
        zca_epsilon: the epsilon of ZCA whitening. Defaults to 1e-6.
        rotation_range: degrees; angles drawn uniformly from ``(-rotation_range, rotation_range)``.
        width_shift_range: float (fraction of the width if < 1, else pixels), int (pixels in the
            open interval ``(-n, n)``), or a list of allowed values. Defaults to 0.
        height_shift_range: the same for the height. Defaults to 0.
        brightness_range: ``(low, high)`` brightness factors, or None (the default).
        shear_range: shear angle in degrees.
        zoom_range: float ``z`` (range ``[1 - z, 1 + z]``) or ``[low, high]``.
        channel_shift_range: range of a random intensity shift added to all channels.
        fill_mode: how points outside the input are filled: ``"constant"``, ``"nearest"`` (the
            default), ``"reflect"`` or ``"wrap"``.
        cval: the value of points outside the input for ``fill_mode="constant"``. Defaults to 0.
        horizontal_flip: flip half of the images left-right, at random. Defaults to False.
        vertical_flip: flip half of the images upside down, at random. Defaults to False.
        rescale: factor applied after augmentation (e.g. ``1 / 255``).
        preprocessing_function: called on each image (rank 3) after augmentation and before rescale.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        validation_split: fraction of images reserved for ``subset="validation"``.
        interpolation_order: spline order of the resampling (0-5, default 1).
        dtype: output dtype (default ``floatx()``).
    """

    def __init__(self, featurewise_center=False, samplewise_center=False, featurewise_std_normalization=False,
                 samplewise_std_normalization=False, zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None, shear_range=0.0,
                 zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest", cval=0.0, horizontal_flip=False,
                 vertical_flip=False, rescale=None, preprocessing_function=None, data_format=None,
                 validation_split=0.0, interpolation_order=1, dtype=None):
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        for name, v in (("width_shift_range", width_shift_range), ("height_shift_range", height_shift_range)):
            ok = ((isinstance(v, (int, float, np.integer, np.floating)) and v >= 0)
                  or (isinstance(v, (list, tuple, np.ndarray)) and len(v) > 0))
            if not ok:
                raise ValueError(f"`{name}` must be a non-negative float, an int, or a non-empty list of "
                                 f"values; received {name}={v!r}.")
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        if fill_mode not in _FILL_MODES:
            from fkeras.utils.naming import unknown_identifier_error

            raise unknown_identifier_error("fill_mode", fill_mode, _FILL_MODES)
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or config.floatx()
        if not isinstance(interpolation_order, (int, np.integer)) or not 0 <= interpolation_order <= 5:
            raise ValueError(f"`interpolation_order` must be an integer in [0, 5]; received {interpolation_order!r}.")
        self.interpolation_order = int(interpolation_order)
        data_format = config.standardize_data_format(data_format)
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError(f"`validation_split` must be strictly between 0 and 1. Received: {validation_split}")
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif (isinstance(zoom_range, (list, tuple)) and len(zoom_range) == 2
              and all(isinstance(v, (float, int)) for v in zoom_range)):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError(f"`zoom_range` should be a float or a tuple or list of two floats. Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which overrides setting of "
                              "`featurewise_center`.", stacklevel=2)
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which overrides setting of "
                              "`featurewise_std_normalization`.", stacklevel=2)
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, which overrides "
                          "setting of `featurewise_center`.", stacklevel=2)
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, which overrides "
                          "setting of `samplewise_center`.", stacklevel=2)
        if brightness_range is not None:
            if not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2:
                raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: "
                                 f"{brightness_range}")
        self.brightness_range = brightness_range

    # -- iterators --------------------------------------------------------------------------------
    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None, save_to_dir=None,
             save_prefix="", save_format="png", ignore_class_split=False, subset=None):
        """Batches of augmented data from numpy arrays ``x`` (rank 4) and optional labels ``y``."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle, sample_weight=sample_weight,
                                  seed=seed, data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset, dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb", classes=None,
                            class_mode="categorical", batch_size=32, shuffle=True, seed=None, save_to_dir=None,
                            save_prefix="", save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """Batches of augmented images from ``directory/<class>/*`` (one sub-folder per class).

        ``class_mode``: ``"categorical"`` (one-hot), ``"binary"``, ``"sparse"`` (integer), ``"input"``
        (the images themselves) or ``None`` (images only).
        """
        return DirectoryIterator(directory, self, target_size=target_size, color_mode=color_mode,
                                 keep_aspect_ratio=keep_aspect_ratio, classes=classes, class_mode=class_mode,
                                 data_format=self.data_format, batch_size=batch_size, shuffle=shuffle, seed=seed,
                                 save_to_dir=save_to_dir, save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset, interpolation=interpolation,
                                 dtype=self.dtype)

    # -- normalization ----------------------------------------------------------------------------
    def standardize(self, x):
        """Apply ``preprocessing_function``, ``rescale`` and the sample/feature-wise normalizations to one
        image (rank 3) or a batch (rank 4; per-image statistics). Works in place where it can."""
        x = np.asarray(x)
        batched = x.ndim == 4
        if self.preprocessing_function:
            if batched:
                x = np.stack([np.asarray(self.preprocessing_function(img)) for img in x]).astype(x.dtype, copy=False)
            else:
                x = self.preprocessing_function(x)
        if not np.issubdtype(np.asarray(x).dtype, np.floating):
            x = np.asarray(x, dtype=self.dtype)
        if self.rescale:
            x *= self.rescale
        axes = tuple(range(1, x.ndim)) if batched else None
        if self.samplewise_center:
            x -= np.mean(x, axis=axes, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, axis=axes, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it hasn't been fit on "
                              "any training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, but it hasn't "
                              "been fit on any training data. Fit it first by calling `.fit(numpy_data)`.",
                              stacklevel=2)
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = (flat @ self.zca_whitening_matrix).reshape(x.shape).astype(x.dtype, copy=False)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.", stacklevel=2)
        return x

    # -- random transforms ------------------------------------------------------------------------
    def _random_params(self, n, img_shape, rng):
        """Draw the parameters of ``n`` random transforms as arrays (same keys as ``get_random_transform``)."""
        h, w = img_shape[self.row_axis - 1], img_shape[self.col_axis - 1]
        zeros = np.zeros(n)
        theta = rng.uniform(-self.rotation_range, self.rotation_range, n) if self.rotation_range else zeros
        tx = _shift_values(rng, self.height_shift_range, n, h)
        ty = _shift_values(rng, self.width_shift_range, n, w)
        shear = rng.uniform(-self.shear_range, self.shear_range, n) if self.shear_range else zeros
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx = zy = np.ones(n)
        else:
            z = rng.uniform(self.zoom_range[0], self.zoom_range[1], (n, 2))
            zx, zy = z[:, 0], z[:, 1]
        flip_h = (rng.random(n) < 0.5) & bool(self.horizontal_flip)
        flip_v = (rng.random(n) < 0.5) & bool(self.vertical_flip)
        cs = (rng.uniform(-self.channel_shift_range, self.channel_shift_range, n)
              if self.channel_shift_range != 0 else None)
        br = (rng.uniform(self.brightness_range[0], self.brightness_range[1], n)
              if self.brightness_range is not None else None)
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy, "flip_horizontal": flip_h,
                "flip_vertical": flip_v, "channel_shift_intensity": cs, "brightness": br}

    def get_random_transform(self, img_shape, seed=None):
        """Random parameters for one image: a dict with ``theta``, ``tx``, ``ty``, ``shear``, ``zx``,
        ``zy``, ``flip_horizontal``, ``flip_vertical``, ``channel_shift_intensity``, ``brightness``."""
        rng = np.random.default_rng(_seed_words(seed) if seed is not None else draw_seed())
        p = self._random_params(1, img_shape, rng)
        out = {}
        for k, v in p.items():
            if v is None:
                out[k] = None
            elif k.startswith("flip"):
                out[k] = bool(v[0])
            else:
                out[k] = float(v[0])
        return out

    def apply_transform(self, x, transform_parameters):
        """Apply a transform (dict as from ``get_random_transform``; missing keys mean "none") to one
        image (rank 3)."""
        x = np.asarray(x)
        if x.ndim != 3:
            raise ValueError(f"`apply_transform` expects a single image of rank 3; received shape {x.shape}.")
        defaults = {"theta": 0, "tx": 0, "ty": 0, "shear": 0, "zx": 1, "zy": 1, "flip_horizontal": False,
                    "flip_vertical": False, "channel_shift_intensity": None, "brightness": None}
        p = {}
        for k, d in defaults.items():
            v = transform_parameters.get(k, d)
            p[k] = None if v is None else np.asarray([v])
        return self._apply_batch(x[None].astype(self.dtype if not np.issubdtype(x.dtype, np.floating) else x.dtype),
                                 p)[0]

    def random_transform(self, x, seed=None):
        """Apply a random transform to one image (rank 3)."""
        return self.apply_transform(x, self.get_random_transform(np.shape(x), seed))

    def _apply_batch(self, x, p):
        """Apply per-image parameter arrays ``p`` to a batch ``x`` (rank 4), vectorized."""
        n = x.shape[0]
        ra, ca, cha = self.row_axis, self.col_axis, self.channel_axis
        h, w = x.shape[ra], x.shape[ca]
        theta, tx, ty, shear = (np.broadcast_to(np.asarray(p[k], dtype=float), (n,))
                                for k in ("theta", "tx", "ty", "shear"))
        zx, zy = (np.broadcast_to(np.asarray(p[k], dtype=float), (n,)) for k in ("zx", "zy"))
        moving = (theta != 0) | (tx != 0) | (ty != 0) | (shear != 0) | (zx != 1) | (zy != 1)
        if moving.any():
            idx = np.nonzero(moving)[0]
            mats = _affine_matrices(theta[idx], tx[idx], ty[idx], shear[idx], zx[idx], zy[idx], h, w)
            x = np.array(x, copy=True)
            x[idx] = _resample_batch(x[idx], mats, ra, ca, cha, self.fill_mode, self.cval, self.interpolation_order)
        cs = p.get("channel_shift_intensity")
        if cs is not None:
            cs = np.broadcast_to(np.asarray(cs, dtype=float), (n,))
            lo = x.min(axis=(1, 2, 3), keepdims=True)
            hi = x.max(axis=(1, 2, 3), keepdims=True)
            x = np.clip(x + cs.reshape(n, 1, 1, 1).astype(x.dtype), lo, hi)
        fh = np.broadcast_to(np.asarray(p.get("flip_horizontal", False), dtype=bool), (n,))
        if fh.any():
            x = np.array(x, copy=True)
            x[fh] = np.flip(x[fh], axis=ca)
        fv = np.broadcast_to(np.asarray(p.get("flip_vertical", False), dtype=bool), (n,))
        if fv.any():
            x = np.array(x, copy=True)
            x[fv] = np.flip(x[fv], axis=ra)
        br = p.get("brightness")
        if br is not None:
            x = _brightness_batch(x, np.broadcast_to(np.asarray(br, dtype=float), (n,)))
        return x

    def _augment_batch(self, batch_x, rng):
        """Random transform + standardize a whole batch (the iterators' hot path)."""
        params = self._random_params(len(batch_x), batch_x.shape[1:], rng)
        batch_x = self._apply_batch(batch_x, params)
        return np.asarray(self.standardize(batch_x), dtype=self.dtype)

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Compute the statistics for featurewise centering/normalization and ZCA whitening from ``x``
        (rank 4). ``rescale`` is applied first; ``augment=True`` fits on ``rounds`` augmented copies."""
        x = np.array(x, dtype=self.dtype, copy=True)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: {x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f'Expected input to be images (as Numpy array) following the data format convention '
                          f'"{self.data_format}" (channels on axis {self.channel_axis}), i.e. expected either 1, 3 '
                          f"or 4 channels on axis {self.channel_axis}. However, it was passed an array with shape "
                          f"{x.shape} ({x.shape[self.channel_axis]} channels).", stacklevel=2)
        if self.rescale:
            x *= self.rescale
        if augment:
            rng = np.random.default_rng(_seed_words(seed) if seed is not None else draw_seed())
            x = np.concatenate([self._apply_batch(x, self._random_params(len(x), x.shape[1:], rng))
                                for _ in range(rounds)])
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        axes = (0, self.row_axis, self.col_axis)
        if self.featurewise_center:
            self.mean = np.mean(x, axis=axes).reshape(shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.std(x, axis=axes).reshape(shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat = x.reshape(n, -1)
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv) @ u.T


def _brightness_batch(x, factors):
    """tf.keras's PIL brightness enhance, in float: scale by ``factor`` within ``[0, 255]`` (images outside
    that range are mapped into it and back)."""
    n = x.shape[0]
    lo = x.min(axis=(1, 2, 3), keepdims=True)
    hi = x.max(axis=(1, 2, 3), keepdims=True)
    out_of_range = (lo < 0) | (hi > 255)
    span = np.where(hi > lo, hi - lo, 1)
    scaled = np.where(out_of_range, (x - lo) / span * 255, x)
    y = np.clip(scaled * factors.reshape(n, 1, 1, 1), 0, 255)
    return np.where(out_of_range, y / 255 * (hi - lo) + lo, y).astype(x.dtype, copy=False)


# ---------------------------------------------------------------------------------------------------
# Single-image functions (tf.keras 2's)
# ---------------------------------------------------------------------------------------------------

def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1, col_axis=2, channel_axis=0,
                           fill_mode="nearest", cval=0.0, order=1):
    """Apply an affine transform to one image (rank 3): rotation ``theta`` (degrees), shift ``tx`` rows /
    ``ty`` columns, ``shear`` (degrees), zoom ``zx`` (rows) / ``zy`` (columns), about the image center.

    Args:
        x: One image, a rank-3 array.
        theta: The rotation angle in degrees. Defaults to 0.
        tx: The shift along the rows axis, in pixels. Defaults to 0.
        ty: The shift along the columns axis, in pixels. Defaults to 0.
        shear: The shear angle in degrees. Defaults to 0.
        zx: The zoom factor along the rows axis. Defaults to 1.
        zy: The zoom factor along the columns axis. Defaults to 1.
        row_axis: The index of the rows axis in ``x``. Defaults to 1.
        col_axis: The index of the columns axis in ``x``. Defaults to 2.
        channel_axis: The index of the channels axis in ``x`` (0 or 2). Defaults to 0.
        fill_mode: How points outside the input are filled: ``"constant"``, ``"nearest"`` (the default),
            ``"reflect"`` or ``"wrap"``.
        cval: The value of points outside the input for ``fill_mode="constant"``. Defaults to 0.
        order: The spline order of the resampling (0-5). Defaults to 1 (bilinear).
    """
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError(f"Input arrays must be multi-channel 2D images (rank 3); received shape {x.shape}.")
    if sorted([row_axis, col_axis, channel_axis]) != [0, 1, 2]:
        raise ValueError(f"'row_axis', 'col_axis', and 'channel_axis' must be a permutation of 0, 1, 2; received "
                         f"{row_axis}, {col_axis}, {channel_axis}.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    if theta == 0 and tx == 0 and ty == 0 and shear == 0 and zx == 1 and zy == 1:
        return x
    h, w = x.shape[row_axis], x.shape[col_axis]
    mats = _affine_matrices(np.array([theta], float), np.array([tx], float), np.array([ty], float),
                            np.array([shear], float), np.array([zx], float), np.array([zy], float), h, w)
    xb = np.moveaxis(x, (row_axis, col_axis, channel_axis), (0, 1, 2))[None]
    out = _resample_batch(xb, mats, 1, 2, 3, fill_mode, cval, order)[0]
    return np.moveaxis(out, (0, 1, 2), (row_axis, col_axis, channel_axis))


def apply_channel_shift(x, intensity, channel_axis=0):
    """Add ``intensity`` to every channel, clipped to the image's original ``[min, max]``.

    Args:
        x: One image, a rank-3 array.
        intensity: The value added to every pixel.
        channel_axis: The index of the channels axis (kept for compatibility: every channel gets the same shift).
            Defaults to 0.
    """
    x = np.asarray(x)
    return np.clip(x + intensity, np.min(x), np.max(x))


def random_channel_shift(x, intensity_range, channel_axis=0):
    """Add one random intensity, drawn from ``(-intensity_range, intensity_range)``, to every pixel (clipped
    to the image's range). Draws from NumPy's global random state (``np.random``).

    Args:
        x: One image, a rank-3 array.
        intensity_range: The largest shift, a float.
        channel_axis: The index of the channels axis. Defaults to 0.

    Returns:
        The transformed image (a NumPy array).
    """
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Multiply brightness by ``brightness`` (tf.keras's PIL enhance, computed in float).

    Args:
        x: One image, a rank-3 array.
        brightness: The brightness factor (1: unchanged, below 1 darker, above 1 brighter).
        scale: If True (the default), first rescale the image's values to ``[0, 255]``.
    """
    x = np.asarray(x, dtype=config.floatx())
    if scale:
        lo, hi = x.min(), x.max()
        x = (x - lo) / (hi - lo if hi > lo else 1) * 255
        return np.clip(x * brightness, 0, 255)
    return _brightness_batch(x[None], np.asarray([brightness], dtype=float))[0]


def random_brightness(x, brightness_range, scale=True):
    """Multiply the brightness by a factor drawn from ``brightness_range``.

    Draws from NumPy's global random state (``np.random``).

    Args:
        x: One image, a rank-3 array.
        brightness_range: ``(low, high)``: the range of the factor.
        scale: If True (the default), first rescale the image's values to ``[0, 255]``.

    Returns:
        The transformed image (a NumPy array).
    """
    if len(brightness_range) != 2:
        raise ValueError(f"`brightness_range should be tuple or list of two floats. Received: {brightness_range}")
    return apply_brightness_shift(x, np.random.uniform(brightness_range[0], brightness_range[1]), scale)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                    interpolation_order=1):
    """Rotate the image by an angle drawn from ``(-rg, rg)`` degrees.

    Draws from NumPy's global random state (``np.random``).

    Args:
        x: One image, a rank-3 array.
        rg: The largest rotation, in degrees.
        row_axis: The index of the rows axis in ``x``. Defaults to 1.
        col_axis: The index of the columns axis in ``x``. Defaults to 2.
        channel_axis: The index of the channels axis in ``x`` (0 or 2). Defaults to 0.
        fill_mode: How points outside the input are filled: ``"constant"``, ``"nearest"`` (the default),
            ``"reflect"`` or ``"wrap"``.
        cval: The value of points outside the input for ``fill_mode="constant"``. Defaults to 0.
        interpolation_order: The spline order of the resampling (0-5). Defaults to 1.

    Returns:
        The transformed image (a NumPy array).
    """
    return apply_affine_transform(x, theta=np.random.uniform(-rg, rg), row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shift the image by fractions drawn from ``(-hrg, hrg)`` of its height and ``(-wrg, wrg)``
    of its width. Draws from NumPy's global random state (``np.random``).

    Args:
        x: One image, a rank-3 array.
        wrg: The largest shift along the width, a fraction of it.
        hrg: The largest shift along the height, a fraction of it.
        row_axis: The index of the rows axis in ``x``. Defaults to 1.
        col_axis: The index of the columns axis in ``x``. Defaults to 2.
        channel_axis: The index of the channels axis in ``x`` (0 or 2). Defaults to 0.
        fill_mode: How points outside the input are filled: ``"constant"``, ``"nearest"`` (the default),
            ``"reflect"`` or ``"wrap"``.
        cval: The value of points outside the input for ``fill_mode="constant"``. Defaults to 0.
        interpolation_order: The spline order of the resampling (0-5). Defaults to 1.

    Returns:
        The transformed image (a NumPy array).
    """
    h, w = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * h
    ty = np.random.uniform(-wrg, wrg) * w
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                 interpolation_order=1):
    """Shear the image by an angle drawn from ``(-intensity, intensity)`` degrees.

    Draws from NumPy's global random state (``np.random``).

    Args:
        x: One image, a rank-3 array.
        intensity: The largest shear angle, in degrees.
        row_axis: The index of the rows axis in ``x``. Defaults to 1.
        col_axis: The index of the columns axis in ``x``. Defaults to 2.
        channel_axis: The index of the channels axis in ``x`` (0 or 2). Defaults to 0.
        fill_mode: How points outside the input are filled: ``"constant"``, ``"nearest"`` (the default),
            ``"reflect"`` or ``"wrap"``.
        cval: The value of points outside the input for ``fill_mode="constant"``. Defaults to 0.
        interpolation_order: The spline order of the resampling (0-5). Defaults to 1.

    Returns:
        The transformed image (a NumPy array).
    """
    return apply_affine_transform(x, shear=np.random.uniform(-intensity, intensity), row_axis=row_axis,
                                  col_axis=col_axis, channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                interpolation_order=1):
    """Zoom the image by factors drawn from ``zoom_range`` (one per axis).

    Draws from NumPy's global random state (``np.random``).

    Args:
        x: One image, a rank-3 array.
        zoom_range: ``(low, high)``: the range of the zoom factors (``(1, 1)``: no zoom).
        row_axis: The index of the rows axis in ``x``. Defaults to 1.
        col_axis: The index of the columns axis in ``x``. Defaults to 2.
        channel_axis: The index of the channels axis in ``x`` (0 or 2). Defaults to 0.
        fill_mode: How points outside the input are filled: ``"constant"``, ``"nearest"`` (the default),
            ``"reflect"`` or ``"wrap"``.
        cval: The value of points outside the input for ``fill_mode="constant"``. Defaults to 0.
        interpolation_order: The spline order of the resampling (0-5). Defaults to 1.

    Returns:
        The transformed image (a NumPy array).
    """
    if len(zoom_range) != 2:
        raise ValueError(f"`zoom_range` should be a tuple or list of two floats. Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis, channel_axis=channel_axis,
                                  fill_mode=fill_mode, cval=cval, order=interpolation_order)
