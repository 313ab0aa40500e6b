"""``keras.applications.VGG16`` (Simonyan & Zisserman, 2014), with Keras's layer names and weight files."""
from __future__ import annotations

from fkeras.applications import imagenet_utils
from fkeras.backend import config as backend_config

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
                "vgg16_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg16/"
                       "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "64373286793e3c8b2b4e3219cbf3544b"
WEIGHTS_HASH_NO_TOP = "6d6bbae143d832006294945121d1f1fc"

# (number of 3x3 convs, filters) per block
_BLOCKS = ((2, 64), (2, 128), (3, 256), (3, 512), (3, 512))


def VGG16(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg16"):
    """Instantiate the VGG16 architecture (138,357,544 parameters at 224x224 with the top).

    Args:
        include_top: keep the 3 fully-connected layers (``fc1``, ``fc2``, ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 32x32).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name.

    Inputs: call ``keras.applications.vgg16.preprocess_input`` (caffe mode: BGR, mean-centred).

    Example:
        features = keras.applications.VGG16(weights=None, include_top=False, input_shape=(64, 64, 3))
    """
    return build_vgg(_BLOCKS, "vgg16", (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP),
                     include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name)


def build_vgg(blocks, family, weight_files, include_top, weights, input_tensor, input_shape, pooling, classes,
              classifier_activation, name):
    """A VGG network of ``blocks`` ((3x3 convs, filters) per block) with Keras's layer names;
    ``weight_files``: the ImageNet files' URLs and hashes, with and without the top."""
    from fkeras import layers
    from fkeras.models import Functional

    path, path_no_top, file_hash, file_hash_no_top = weight_files
    imagenet_utils.check_weights_argument(weights)
    imagenet_utils.check_classes(weights, include_top, classes)
    imagenet_utils.check_pooling(pooling)
    if include_top:
        imagenet_utils.validate_activation(classifier_activation, weights)
    input_shape = imagenet_utils.shape_from_tensor(input_shape, input_tensor)
    input_shape = imagenet_utils.obtain_input_shape(input_shape, default_size=224, min_size=32,
                                                    data_format=backend_config.image_data_format(),
                                                    require_flatten=include_top, weights=weights)
    weights_path = imagenet_utils.resolve_weights(
        weights, include_top, f"{family}_weights_tf_dim_ordering_tf_kernels.h5",
        f"{family}_weights_tf_dim_ordering_tf_kernels_notop.h5", path, path_no_top, file_hash, file_hash_no_top)
    img_input = imagenet_utils.make_input(input_tensor, input_shape)
    x = img_input
    for b, (n_convs, filters) in enumerate(blocks, start=1):
        for c in range(1, n_convs + 1):
            x = layers.Conv2D(filters, (3, 3), activation="relu", padding="same", name=f"block{b}_conv{c}")(x)
        x = layers.MaxPooling2D((2, 2), strides=(2, 2), name=f"block{b}_pool")(x)

    if include_top:
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dense(4096, activation="relu", name="fc1")(x)
        x = layers.Dense(4096, activation="relu", name="fc2")(x)
        x = layers.Dense(classes, activation=classifier_activation, name="predictions")(x)
    elif pooling == "avg":
        x = layers.GlobalAveragePooling2D()(x)
    elif pooling == "max":
        x = layers.GlobalMaxPooling2D()(x)

    model = Functional(imagenet_utils.model_inputs(input_tensor, img_input), x, name=name)
    return imagenet_utils.finish(model, weights_path)


def preprocess_input(x, data_format=None):
    """Caffe-style preprocessing: RGB -> BGR and subtract the ImageNet mean pixel (no scaling).

    Args:
        x: Images with values in ``[0, 255]``: a NumPy or JAX array, or a symbolic tensor
            (``keras.Input``), 3D (one image) or 4D (a batch), with 3 color channels.
        data_format: ``"channels_last"`` or ``"channels_first"``; ``None`` (the default) uses
            ``keras.config.image_data_format()``.

    Returns:
        The preprocessed images, as floats (a NumPy input is not modified in place).
    """
    return imagenet_utils.preprocess_input(x, data_format=data_format, mode="caffe")


decode_predictions = imagenet_utils.decode_predictions  # the same for every ImageNet model, as in Keras
