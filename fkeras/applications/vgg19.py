"""``keras.applications.VGG19`` (Simonyan & Zisserman, 2014), with Keras's layer names and weight files."""
from __future__ import annotations

from fkeras.applications.vgg16 import build_vgg, decode_predictions, preprocess_input  # noqa: F401  (VGG19's too)

WEIGHTS_PATH = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
                "vgg19_weights_tf_dim_ordering_tf_kernels.h5")
WEIGHTS_PATH_NO_TOP = ("https://storage.googleapis.com/tensorflow/keras-applications/vgg19/"
                       "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5")
WEIGHTS_HASH = "cbe5617147190e668d6c5d5026f83318"
WEIGHTS_HASH_NO_TOP = "253f8cb515780f3b799900260a226db6"

# (number of 3x3 convs, filters) per block: 16 conv layers + 3 dense layers = 19
_BLOCKS = ((2, 64), (2, 128), (4, 256), (4, 512), (4, 512))


def VGG19(include_top=True, weights="imagenet", input_tensor=None, input_shape=None, pooling=None, classes=1000,
          classifier_activation="softmax", name="vgg19"):
    """Instantiate the VGG19 architecture (143,667,240 parameters at 224x224 with the top).

    Args:
        include_top: keep the 3 fully-connected layers (``fc1``, ``fc2``, ``predictions``).
        weights: ``None`` (random), ``"imagenet"`` (downloaded once and cached) or a file path.
        input_tensor: a symbolic tensor to use as the model's input.
        input_shape: ``(rows, cols, 3)`` with ``include_top=False`` (at least 32x32).
        pooling: with ``include_top=False``: ``None`` (4D output), ``"avg"`` or ``"max"``.
        classes: classifier size (1000 with ImageNet weights).
        classifier_activation: activation of ``predictions`` (``None`` for logits).
        name: model name.

    Inputs: call ``keras.applications.vgg19.preprocess_input`` (caffe mode: BGR, mean-centred).

    Example:
        features = keras.applications.VGG19(weights=None, include_top=False, input_shape=(64, 64, 3))
    """
    return build_vgg(_BLOCKS, "vgg19", (WEIGHTS_PATH, WEIGHTS_PATH_NO_TOP, WEIGHTS_HASH, WEIGHTS_HASH_NO_TOP),
                     include_top, weights, input_tensor, input_shape, pooling, classes, classifier_activation, name)
