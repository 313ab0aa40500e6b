"""Keras 3's dict-aware augmentation layers: ``RandomShear``, ``RandomPerspective``,
``RandomElasticTransform`` and ``RandomErasing``, plus their shared base.

Like ``RandomFlip`` and friends, each layer draws from ``self.make_rng()`` (folded with ``seed``)
once per call, gives every image in the batch its own draw, works inside ``jax.jit`` and
``model.fit``, and is the identity (after a cast to the compute dtype) with ``training=False``.

Besides an image batch ``(batch, height, width, channels)`` (or one image, or channels_first) the
layers take Keras 3's dict form ``{"images", "labels", "bounding_boxes", "segmentation_masks"}``
(only ``"images"`` is required; other keys pass through untouched). ``bounding_boxes`` is a dict
``{"boxes": (batch, n, 4), "labels": (batch, n)}`` in the layer's ``bounding_box_format``; boxes a
geometric layer moves are clipped to the image and a box left without area gets label ``-1``.
Segmentation masks follow the image's geometry with nearest-neighbour sampling.

The transformations are public dicts with Keras's keys (``layer.get_random_transformation(data,
key)`` then ``layer.transform_images(images, transformation)``), so a fixed transformation can be
replayed, inspected, or handed to Keras's own layer for comparison.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.engine.layer import Layer
from fkeras.layers.preprocessing._base import check_choice
from fkeras.layers.preprocessing.augmentation import _factor_pair, _RandomImageLayer
from fkeras.layers.preprocessing.bounding_boxes import (
    check_format,
    clip_to_image_size,
    convert_format,
    standardize_bounding_boxes,
)
from fkeras.ops import image as image_ops

FILL_MODES = ("reflect", "wrap", "constant", "nearest")
INTERPOLATIONS = ("nearest", "bilinear")


def _images_of(data):
    return data["images"] if isinstance(data, dict) else data


def _batch_size(images):
    return images.shape[0] if images.ndim == 4 else 1


def _batched(fn, images):
    """Run ``fn`` on a rank-4 view of ``images`` (rank 3 gets a batch axis of 1 and loses it again)."""
    if images.ndim == 3:
        return fn(images[None])[0]
    return fn(images)


def _value_range(value_range, layer):
    if (not isinstance(value_range, (tuple, list)) or len(value_range) != 2
            or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in value_range)):
        raise ValueError(f"{layer}: the `value_range` argument should be a list of two numbers. "
                         f"Received: value_range={value_range!r}")
    return value_range


def _cast_like(x, dtype):
    if jnp.issubdtype(dtype, jnp.integer):
        return jnp.round(x).astype(dtype)
    return x.astype(dtype)


class _AugmentationLayer(_RandomImageLayer):
    """Base of the dict-aware augmentation layers.

    Subclasses implement ``get_random_transformation(data, key, training=True)`` and
    ``transform_images``; ``transform_labels``, ``transform_bounding_boxes`` and
    ``transform_segmentation_masks`` default to leaving their input unchanged. ``_BOXES`` says
    what a layer does with bounding boxes: ``"transform"`` (needs ``bounding_box_format``),
    ``"keep"`` or ``"unsupported"``.
    """

    _BOXES = "keep"

    def __init__(self, seed=None, data_format=None, bounding_box_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.bounding_box_format = check_format(bounding_box_format, type(self).__name__)

    # --- inputs ------------------------------------------------------------------------------
    def _standardize(self, data):
        """``(batch, unbatched)``: the known keys as arrays with a batch axis."""
        name = type(self).__name__
        if "images" not in data:
            raise ValueError(f"{name}: a dict input needs an 'images' key. Received keys: {sorted(data)}")
        images = jnp.asarray(data["images"])
        self._check_rank(images)
        unbatched = images.ndim == 3
        expand = (lambda a: a[None]) if unbatched else (lambda a: a)  # noqa: E731
        batch = {"images": expand(images.astype(self.compute_dtype))}
        if "labels" in data:
            batch["labels"] = expand(jnp.asarray(data["labels"]))
        if "segmentation_masks" in data:
            masks = jnp.asarray(data["segmentation_masks"])
            if masks.ndim != images.ndim:
                raise ValueError(f"{name}: segmentation_masks must have the rank of the images ({images.ndim}). "
                                 f"Received: segmentation_masks.shape={tuple(masks.shape)}")
            batch["segmentation_masks"] = expand(masks)
        if "bounding_boxes" in data:
            if self._BOXES == "unsupported":
                raise ValueError(f"{name} does not support bounding boxes (as in Keras 3); remove the "
                                 "'bounding_boxes' key or apply the layer to the images only.")
            if self._BOXES == "transform" and self.bounding_box_format is None:
                raise ValueError(
                    f"{name}: the input has a 'bounding_boxes' key but the layer has no bounding box "
                    f"format. Pass `bounding_box_format` to {name}, e.g. `bounding_box_format='xyxy'`."
                )
            boxes = standardize_bounding_boxes(data["bounding_boxes"], not unbatched, name, self.compute_dtype)
            batch["bounding_boxes"] = jax.tree_util.tree_map(expand, boxes)
        return batch, unbatched

    def call(self, data, training=True):
        is_dict = isinstance(data, dict)
        batch, unbatched = self._standardize(data if is_dict else {"images": data})
        if training:
            out = self._augment_data_jit()(batch, self._key())
        else:
            out = batch
        if unbatched:
            out = jax.tree_util.tree_map(lambda a: a[0], out)
        if not is_dict:
            return out["images"]
        result = dict(data)
        result.update(out)
        return result

    def _augment_data(self, batch, key):
        t = self.get_random_transformation(batch, key)
        out = {"images": self.transform_images(batch["images"], t)}
        if "labels" in batch:
            out["labels"] = self.transform_labels(batch["labels"], t)
        if "bounding_boxes" in batch:
            out["bounding_boxes"] = self.transform_bounding_boxes(batch["bounding_boxes"], t)
        if "segmentation_masks" in batch:
            out["segmentation_masks"] = self.transform_segmentation_masks(batch["segmentation_masks"], t)
        return out

    def _augment_data_jit(self):
        # One compiled program per layer and input structure; inlined inside an outer jit.
        fn = self.__dict__.get("_augment_data_compiled")
        if fn is None:
            fn = jax.jit(self._augment_data)
            object.__setattr__(self, "_augment_data_compiled", fn)
        return fn

    def _key_or_draw(self, key):
        return self._key() if key is None else key

    def _hw_of(self, shape):
        if self.data_format == "channels_last":
            return shape[-3], shape[-2]
        return shape[-2], shape[-1]

    def _bcast(self, flags, ndim):
        return jnp.reshape(flags, (-1,) + (1,) * (ndim - 1))

    # --- default transforms -------------------------------------------------------------------
    def transform_labels(self, labels, transformation, training=True):
        """Labels are unchanged by this layer."""
        return labels

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Bounding boxes are unchanged by this layer."""
        return bounding_boxes

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Segmentation masks are unchanged by this layer."""
        return segmentation_masks

    # --- shapes and config ----------------------------------------------------------------------
    def compute_output_shape(self, input_shape):
        if isinstance(input_shape, dict):
            return input_shape
        return super().compute_output_shape(input_shape)

    def compute_output_spec(self, inputs, *args, **kwargs):
        if isinstance(inputs, dict):
            return Layer.compute_output_spec(self, inputs, *args, **kwargs)  # trace `call`
        return super().compute_output_spec(inputs, *args, **kwargs)

    def get_config(self):
        config = super().get_config()
        if self.bounding_box_format is not None:
            config["bounding_box_format"] = self.bounding_box_format
        return config


class _WarpLayer(_AugmentationLayer):
    """A geometric layer: boxes move with the image, masks are warped with nearest sampling."""

    _BOXES = "transform"

    def transform_segmentation_masks(self, segmentation_masks, transformation, training=True):
        """Warp the masks like the images, with nearest-neighbour sampling (values are kept)."""
        if not training or transformation is None:
            return segmentation_masks
        dtype = segmentation_masks.dtype
        warped = self._warp(segmentation_masks.astype(self.compute_dtype), transformation, "nearest")
        return _cast_like(warped, dtype)

    def transform_images(self, images, transformation, training=True):
        """Warp ``images`` (rank 3 or 4) by ``transformation``; the identity when not training."""
        images = jnp.asarray(images).astype(self.compute_dtype)
        if not training or transformation is None:
            return images
        return self._warp(images, transformation, self.interpolation)

    def transform_bounding_boxes(self, bounding_boxes, transformation, training=True):
        """Move the boxes' corners with the image; the result is the corners' enclosing box,
        clipped to the image (a box left with no area gets label -1)."""
        if not training or transformation is None:
            return bounding_boxes
        h, w = self._hw_of(transformation["input_shape"])
        boxes = convert_format(bounding_boxes["boxes"], self.bounding_box_format, "xyxy", h, w, self.compute_dtype)
        x1, y1, x2, y2 = (boxes[..., i] for i in range(4))
        xs = jnp.stack([x1, x2, x1, x2], axis=-1)
        ys = jnp.stack([y1, y1, y2, y2], axis=-1)
        nx, ny = self._forward_points(xs, ys, transformation)
        moved = jnp.stack([nx.min(-1), ny.min(-1), nx.max(-1), ny.max(-1)], axis=-1)
        out = clip_to_image_size({**bounding_boxes, "boxes": moved}, h, w)
        out["boxes"] = convert_format(out["boxes"], "xyxy", self.bounding_box_format, h, w, self.compute_dtype)
        return out


class RandomShear(_WarpLayer):
    """Shears each image along x and/or y by a random amount (Keras 3's ``RandomShear``).

    Output pixel ``(x, y)`` reads the input at ``(x + sx * y, sy * x + y)`` (a shear about the
    top-left corner, in pixels), with ``sx`` drawn from ``x_factor`` and ``sy`` from ``y_factor``;
    both signs are then flipped together with probability 1/2. Bounding boxes follow the exact
    inverse map (Keras uses a first-order approximation that agrees for a shear along one axis of a
    square image).

    Args:
        x_factor: a number ``f`` in ``[0, 1]`` (``sx`` in ``[-f, f]``) or a pair ``(lower,
            upper)`` in ``[-1, 1]``.
        y_factor: the same for ``sy``.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: how points outside the input are filled: ``"reflect"`` (d c b a | a b c d |
            d c b a), ``"wrap"``, ``"constant"`` (``fill_value``) or ``"nearest"``.
        fill_value: the value for ``fill_mode="constant"``.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the global setting).
        seed: an int folded into each call's key, or None.
        **kwargs: base layer arguments (``name``, ``dtype``...) and ``bounding_box_format``, the
            format of ``bounding_boxes`` in dict inputs (needed only then).

    Returns:
        The sheared images (or the dict with images, boxes and masks sheared), in the compute dtype.

    Example:
        >>> layer = keras.layers.RandomShear(x_factor=0.2, y_factor=0.2, seed=1)
        >>> layer(np.ones((2, 8, 8, 3))).shape
        (2, 8, 8, 3)
    """

    def __init__(self, x_factor=0.0, y_factor=0.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 data_format=None, seed=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.x_factor = _factor_pair(x_factor, "x_factor", "RandomShear")
        self.y_factor = _factor_pair(y_factor, "y_factor", "RandomShear")
        check_choice(fill_mode, FILL_MODES, "fill_mode", "RandomShear")
        check_choice(interpolation, INTERPOLATIONS, "interpolation", "RandomShear")
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.interpolation = interpolation

    def get_random_transformation(self, data, key=None, training=True):
        """``{"shear_factor": (batch, 2) [sx, sy], "input_shape"}``, or None when not training."""
        if not training:
            return None
        images = _images_of(data)
        b = _batch_size(images)
        k_sign, k_y, k_x = jax.random.split(self._key_or_draw(key), 3)
        sign = jnp.where(jax.random.uniform(k_sign, (b, 1)) > 0.5, -1.0, 1.0)
        sy = jax.random.uniform(k_y, (b, 1), minval=self.y_factor[0], maxval=self.y_factor[1])
        sx = jax.random.uniform(k_x, (b, 1), minval=self.x_factor[0], maxval=self.x_factor[1])
        factor = (jnp.concatenate([sx, sy], axis=1) * sign).astype(self.compute_dtype)
        return {"shear_factor": factor, "input_shape": tuple(images.shape)}

    @staticmethod
    def _matrix(shear_factor):
        sx, sy = shear_factor[:, 0], shear_factor[:, 1]
        one, zero = jnp.ones_like(sx), jnp.zeros_like(sx)
        return jnp.stack([one, sx, zero, sy, one, zero, zero, zero], axis=1)

    def _warp(self, images, t, interpolation):
        def run(x):
            return image_ops.affine_transform(x, self._matrix(t["shear_factor"]), interpolation=interpolation,
                                              fill_mode=self.fill_mode, fill_value=self.fill_value,
                                              data_format=self.data_format)

        return _batched(run, images)

    def _forward_points(self, xs, ys, t):
        sx, sy = t["shear_factor"][:, 0:1, None], t["shear_factor"][:, 1:2, None]
        det = jnp.maximum(1.0 - sx * sy, 1e-6)  # >= 0 since |sx|, |sy| <= 1
        return (xs - sx * ys) / det, (ys - sy * xs) / det

    def get_config(self):
        config = super().get_config()
        config.update({"x_factor": self.x_factor, "y_factor": self.y_factor, "fill_mode": self.fill_mode,
                       "interpolation": self.interpolation, "seed": self.seed, "fill_value": self.fill_value,
                       "data_format": self.data_format})
        return config


def _probability_and_apply(key, b, factor):
    """Keras's per-image coin: ``u < p`` with ``p`` drawn in ``factor`` and ``u`` in ``[0, 1)``."""
    k_p, k_u = jax.random.split(key)
    p = jax.random.uniform(k_p, (b,), minval=factor[0], maxval=factor[1])
    return jax.random.uniform(k_u, (b,)) < p


class RandomPerspective(_WarpLayer):
    """Moves the image corners at random and warps the image to match (Keras 3's ``RandomPerspective``).

    The corners ``(0, 0), (w-1, 0), (0, h-1), (w-1, h-1)`` become ``p + p * u`` with ``u`` drawn in
    ``[-scale/2, scale/2]`` per coordinate (so, as in Keras, the top-left corner stays put), and
    the image is warped by the homography taking the old corners to the new ones
    (``keras.ops.image.perspective_transform``); pixels from outside become ``fill_value``.

    Args:
        factor: the probability that an image is transformed: a number ``f`` in ``[0, 1]``
            (probability drawn in ``[0, f]`` per image) or a pair ``(lower, upper)`` in ``[0, 1]``.
        scale: a number in ``[0, 1]``, how far corners may move (relative to their coordinates).
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_value: the value of pixels that come from outside the input.
        seed: an int folded into each call's key, or None.
        data_format: ``"channels_last"`` or ``"channels_first"``.
        **kwargs: base layer arguments (``name``, ``dtype``...) and ``bounding_box_format``, the
            format of ``bounding_boxes`` in dict inputs.

    Returns:
        The warped images (or the dict with images, boxes and masks warped), in the compute dtype.

    Example:
        >>> layer = keras.layers.RandomPerspective(factor=1.0, scale=0.3, seed=0)
        >>> layer(np.ones((2, 8, 8, 3))).shape
        (2, 8, 8, 3)
    """

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_value=0.0, seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomPerspective", low=0.0)
        if isinstance(scale, bool) or not isinstance(scale, (int, float)) or not 0.0 <= scale <= 1.0:
            raise ValueError(f"RandomPerspective: the `scale` argument should be a number in the range [0, 1]. "
                             f"Received: scale={scale!r}")
        check_choice(interpolation, INTERPOLATIONS, "interpolation", "RandomPerspective")
        self.scale = scale
        self.fill_value = float(fill_value)
        self.interpolation = interpolation

    def get_random_transformation(self, data, key=None, training=True):
        """``{"apply_perspective": (batch,), "start_points", "end_points": (batch, 4, 2), "input_shape"}``."""
        if not training:
            return None
        images = _images_of(data)
        b = _batch_size(images)
        h, w = self._hw_of(images.shape)
        k_apply, k_move = jax.random.split(self._key_or_draw(key))
        apply = _probability_and_apply(k_apply, b, self.factor)
        move = jax.random.uniform(k_move, (b, 4, 2), minval=-0.5 * self.scale, maxval=0.5 * self.scale)
        start = jnp.asarray([[0.0, 0.0], [w - 1, 0.0], [0.0, h - 1], [w - 1, h - 1]], self.compute_dtype)
        start = jnp.broadcast_to(start, (b, 4, 2))
        end = (start + start * move).astype(self.compute_dtype)
        return {"apply_perspective": apply, "start_points": start, "end_points": end,
                "input_shape": tuple(images.shape)}

    def _warp(self, images, t, interpolation):
        def run(x):
            out = image_ops.perspective_transform(x, t["start_points"], t["end_points"], interpolation=interpolation,
                                                  fill_value=self.fill_value, data_format=self.data_format)
            return jnp.where(self._bcast(t["apply_perspective"], x.ndim), out, x)

        return _batched(run, images)

    def _forward_points(self, xs, ys, t):
        # The map sending start points to end points moves content forward (input -> output).
        m = image_ops._homography(jnp.asarray(t["end_points"], jnp.float32),
                                  jnp.asarray(t["start_points"], jnp.float32))[:, None, None, :]
        k = m[..., 6] * xs + m[..., 7] * ys + 1.0
        nx = (m[..., 0] * xs + m[..., 1] * ys + m[..., 2]) / k
        ny = (m[..., 3] * xs + m[..., 4] * ys + m[..., 5]) / k
        keep = ~self._bcast(t["apply_perspective"], 3)
        return jnp.where(keep, xs, nx), jnp.where(keep, ys, ny)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                       "fill_value": self.fill_value, "seed": self.seed})
        return config


def _truncated_gaussian_blur(x, sigma, size):
    """Blur NHWC ``x`` with a Gaussian of (traced) ``sigma``, truncated to ``int(6 sigma) | 1`` taps
    as ``keras.ops.image.elastic_transform`` does, inside a static ``size``-tap kernel (zero padding)."""
    taps = jnp.arange(size, dtype=x.dtype) - (size - 1) / 2
    radius = (jnp.floor(6.0 * sigma).astype(jnp.int32) | 1) // 2
    g = jnp.where(jnp.abs(taps) <= radius, jnp.exp(-0.5 * jnp.square(taps / sigma)), 0.0)
    g = g / jnp.sum(g)
    c = x.shape[-1]
    kernel = jnp.broadcast_to(jnp.outer(g, g)[:, :, None, None], (size, size, 1, c))
    return jax.lax.conv_general_dilated(x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"),
                                        feature_group_count=c)


class RandomElasticTransform(_WarpLayer):
    """Elastic deformation: every pixel reads the input at a random, smooth displacement
    (Keras 3's ``RandomElasticTransform``).

    One distortion ``d`` is drawn in ``scale`` per call; then ``alpha = 0.1 d max(h, w)`` and
    ``sigma = 0.05 d min(h, w)``, and the displacement is Gaussian noise ``N(0, 1) * sigma``
    blurred by a Gaussian of standard deviation ``sigma`` (``int(6 sigma) | 1`` taps) and scaled by
    ``alpha``, independently for x and y (the rule of ``keras.ops.image.elastic_transform``; unlike
    that op, ``sigma`` may be a traced value here, so the layer runs inside ``jit``). Each image is
    transformed with probability drawn in ``factor``; outputs are clipped to ``value_range``.
    Bounding boxes are not supported (as in Keras).

    Args:
        factor: the probability of transforming an image: a number ``f`` in ``[0, 1]``
            (probability drawn in ``[0, f]``) or a pair in ``[0, 1]``.
        scale: the distortion ``d``: a number ``s`` in ``[0, 1]`` (``d`` in ``[0, s]``) or a pair.
        interpolation: ``"bilinear"`` or ``"nearest"``.
        fill_mode: ``"reflect"``, ``"wrap"``, ``"constant"``, ``"nearest"`` or ``"mirror"``.
        fill_value: the value for ``fill_mode="constant"``.
        value_range: ``(low, high)`` of the image values; outputs are clipped to it.
        seed: an int folded into each call's key, or None.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        The deformed images (or the dict with images and masks deformed), in the compute dtype.

    Example:
        >>> layer = keras.layers.RandomElasticTransform(scale=0.5, value_range=(0, 1))
        >>> layer(np.ones((2, 16, 16, 3))).shape
        (2, 16, 16, 3)
    """

    _BOXES = "unsupported"

    def __init__(self, factor=1.0, scale=1.0, interpolation="bilinear", fill_mode="reflect", fill_value=0.0,
                 value_range=(0, 255), seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomElasticTransform", low=0.0)
        self.scale = _factor_pair(scale, "scale", "RandomElasticTransform", low=0.0)
        check_choice(interpolation, INTERPOLATIONS, "interpolation", "RandomElasticTransform")
        check_choice(fill_mode, FILL_MODES + ("mirror",), "fill_mode", "RandomElasticTransform")
        self.interpolation = interpolation
        self.fill_mode = fill_mode
        self.fill_value = float(fill_value)
        self.value_range = _value_range(value_range, "RandomElasticTransform")

    def get_random_transformation(self, data, key=None, training=True):
        """``{"apply_transform": (batch,), "distortion_factor": (), "seed": key}``, or None when not
        training or when ``scale`` or ``factor`` only allows no-ops."""
        if not training or self.scale[1] == 0 or self.factor[1] == 0:
            return None
        b = _batch_size(_images_of(data))
        k_apply, k_scale, k_noise = jax.random.split(self._key_or_draw(key), 3)
        return {"apply_transform": _probability_and_apply(k_apply, b, self.factor),
                "distortion_factor": jax.random.uniform(k_scale, (), minval=self.scale[0], maxval=self.scale[1]),
                "seed": k_noise}

    def elastic_parameters(self, height, width, distortion_factor):
        """``(alpha, sigma)`` of the displacement field for an image of this size."""
        return max(height, width) * 0.1 * distortion_factor, min(height, width) * 0.05 * distortion_factor

    def _warp(self, images, t, interpolation):
        order = 0 if interpolation == "nearest" else 1

        def run(x):
            nhwc = x if self.data_format == "channels_last" else jnp.transpose(x, (0, 2, 3, 1))
            b, h, w, _ = nhwc.shape
            alpha, sigma = self.elastic_parameters(h, w, jnp.asarray(t["distortion_factor"], nhwc.dtype))
            sigma_max = min(h, w) * 0.05 * self.scale[1]
            safe_sigma = jnp.where(sigma > 0, sigma, 1.0)  # d = 0: alpha = 0, no displacement
            k_x, k_y = jax.random.split(t["seed"])
            noise = jnp.stack([jax.random.normal(k_x, (b, h, w), nhwc.dtype),
                               jax.random.normal(k_y, (b, h, w), nhwc.dtype)], axis=-1) * sigma
            disp = _truncated_gaussian_blur(noise, safe_sigma, int(6 * sigma_max) | 1) * alpha
            yy, xx = jnp.meshgrid(jnp.arange(h, dtype=nhwc.dtype), jnp.arange(w, dtype=nhwc.dtype), indexing="ij")

            def one(img, d):
                coords = jnp.stack([yy + d[..., 1], xx + d[..., 0]])
                return jax.vmap(lambda ch: image_ops.map_coordinates(ch, coords, order, fill_mode=self.fill_mode,
                                                                     fill_value=self.fill_value),
                                in_axes=-1, out_axes=-1)(img)

            out = jax.vmap(one)(nhwc, disp)
            if self.data_format == "channels_first":
                out = jnp.transpose(out, (0, 3, 1, 2))
            return jnp.where(self._bcast(t["apply_transform"], x.ndim), out, x)

        return _batched(run, images)

    def transform_images(self, images, transformation, training=True):
        """Deform ``images`` and clip them to ``value_range`` (the identity when not training)."""
        images = jnp.asarray(images).astype(self.compute_dtype)
        if not training or transformation is None:
            return images
        out = self._warp(images, transformation, self.interpolation)
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "interpolation": self.interpolation,
                       "fill_mode": self.fill_mode, "fill_value": self.fill_value, "value_range": self.value_range,
                       "seed": self.seed})
        return config


def _crop_bounds(key, b, length, ratio):
    """A window of ``ratio * length`` starting uniformly inside ``[0, length)``: ``(start, end)``."""
    crop = ratio * length
    start = jax.random.uniform(key, (b,)) * (length - crop)
    return start, start + crop


def _box_mask(shape, data_format, x0, x1, y0, y1):
    """``(batch, h, w, c)`` (or channels_first) bool mask of pixel centres in ``[x0, x1) x [y0, y1)``."""
    if data_format == "channels_last":
        _, h, w, _ = shape
    else:
        _, _, h, w = shape
    x0, x1, y0, y1 = (jnp.asarray(v) for v in (x0, x1, y0, y1))
    gy, gx = jnp.meshgrid(jnp.arange(h, dtype=x0.dtype), jnp.arange(w, dtype=x0.dtype), indexing="ij")
    col = lambda v: v[:, None, None]  # noqa: E731
    inside = (gx >= col(x0)) & (gx < col(x1)) & (gy >= col(y0)) & (gy < col(y1))
    inside = inside[..., None] if data_format == "channels_last" else inside[:, None]
    return jnp.broadcast_to(inside, shape)


class RandomErasing(_AugmentationLayer):
    """Random Erasing: replaces a random rectangle of each image by a constant or by noise
    (Keras 3's ``RandomErasing``).

    For each image two fractions ``m_w, m_h`` are drawn in ``scale``; the rectangle is
    ``sqrt(m_w) * width`` by ``sqrt(m_h) * height`` pixels at a uniformly drawn position, and it is
    filled with ``fill_value`` (or Gaussian noise ``N(0, 1) * value_range[1]`` when ``fill_value``
    is None), clipped to ``value_range``. Each image is erased with probability drawn in ``factor``.
    Labels, bounding boxes and segmentation masks are left unchanged.

    Args:
        factor: the probability of erasing an image: a number ``f`` in ``[0, 1]`` (probability
            drawn in ``[0, f]``) or a pair in ``[0, 1]``.
        scale: a number or pair in ``[0, 1]``: the range of the fractions ``m_w, m_h``.
        fill_value: None (noise), a number, or one number per channel.
        value_range: ``(low, high)`` of the image values.
        seed: an int folded into each call's key, or None.
        data_format: ``"channels_last"`` or ``"channels_first"``.

    Returns:
        The erased images (or the dict with the images erased), in the compute dtype.

    Example:
        >>> layer = keras.layers.RandomErasing(factor=1.0, fill_value=0.0, value_range=(0, 1))
        >>> layer(np.ones((2, 8, 8, 3))).shape
        (2, 8, 8, 3)
    """

    def __init__(self, factor=1.0, scale=(0.02, 0.33), fill_value=None, value_range=(0, 255), seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.factor = _factor_pair(factor, "factor", "RandomErasing", low=0.0)
        self.scale = _factor_pair(scale, "scale", "RandomErasing", low=0.0)
        ok = fill_value is None or (isinstance(fill_value, (int, float)) and not isinstance(fill_value, bool)) or (
            isinstance(fill_value, (tuple, list)) and len(fill_value) > 0
            and all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in fill_value))
        if not ok:
            raise ValueError("RandomErasing: the `fill_value` argument should be None, a number or a list of "
                             f"numbers (one per channel). Received: fill_value={fill_value!r}")
        self.fill_value = fill_value
        self.value_range = _value_range(value_range, "RandomErasing")

    def _fill(self, key, images):
        if self.fill_value is None:
            fill = jax.random.normal(key, images.shape, self.compute_dtype) * self.value_range[1]
        elif isinstance(self.fill_value, (tuple, list)):
            axis = -1 if self.data_format == "channels_last" else -3
            if len(self.fill_value) != images.shape[axis]:
                raise ValueError(f"RandomErasing: `fill_value` has {len(self.fill_value)} values but the images "
                                 f"have {images.shape[axis]} channels.")
            per_channel = jnp.asarray(self.fill_value, self.compute_dtype)
            shape = [1] * images.ndim
            shape[axis] = -1
            fill = jnp.broadcast_to(per_channel.reshape(shape), images.shape)
        else:
            fill = jnp.full(images.shape, self.fill_value, self.compute_dtype)
        return jnp.clip(fill, self.value_range[0], self.value_range[1])

    def get_random_transformation(self, data, key=None, training=True):
        """``{"apply_erasing": (batch,), "batch_masks": bool like images, "fill_value": like images,
        "erase_box": (batch, 4) [x0, y0, x1, y1]}``, or None when not training."""
        if not training:
            return None
        images = jnp.asarray(_images_of(data))
        if images.ndim == 3:
            images = images[None]
        b = images.shape[0]
        h, w = self._hw_of(images.shape)
        k_size, k_x, k_y, k_apply, k_fill = jax.random.split(self._key_or_draw(key), 5)
        ratio = jnp.sqrt(jax.random.uniform(k_size, (b, 2), self.compute_dtype, self.scale[0], self.scale[1]))
        x0, x1 = _crop_bounds(k_x, b, w, ratio[:, 0])
        y0, y1 = _crop_bounds(k_y, b, h, ratio[:, 1])
        return {"apply_erasing": _probability_and_apply(k_apply, b, self.factor),
                "batch_masks": _box_mask(images.shape, self.data_format, x0, x1, y0, y1),
                "fill_value": self._fill(k_fill, images),
                "erase_box": jnp.stack([x0, y0, x1, y1], axis=1)}

    def transform_images(self, images, transformation, training=True):
        """Fill the masked rectangle of the chosen images (the identity when not training)."""
        images = jnp.asarray(images).astype(self.compute_dtype)
        if not training or transformation is None:
            return images

        def run(x):
            erased = jnp.where(transformation["batch_masks"], transformation["fill_value"].astype(x.dtype), x)
            return jnp.where(self._bcast(transformation["apply_erasing"], x.ndim), erased, x)

        return _batched(run, images)

    def get_config(self):
        config = super().get_config()
        config.update({"factor": self.factor, "scale": self.scale, "fill_value": self.fill_value,
                       "value_range": self.value_range, "seed": self.seed})
        return config
