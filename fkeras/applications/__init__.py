"""``keras.applications``: ImageNet classifiers with Keras's constructors, layer names and weight files.

Example:
    base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False,
                                          weights=None, pooling="avg")
    x = keras.applications.mobilenet_v2.preprocess_input(images)
"""
from fkeras.applications import efficientnet, imagenet_utils, mobilenet_v2, resnet, resnet50, vgg16, vgg19, xception
from fkeras.applications.efficientnet import (EfficientNetB0, EfficientNetB1, EfficientNetB2, EfficientNetB3,
                                              EfficientNetB4, EfficientNetB5, EfficientNetB6, EfficientNetB7)
from fkeras.applications.mobilenet_v2 import MobileNetV2
from fkeras.applications.resnet import ResNet50, ResNet101, ResNet152
from fkeras.applications.vgg16 import VGG16
from fkeras.applications.vgg19 import VGG19
from fkeras.applications.xception import Xception

__all__ = [
    "MobileNetV2", "ResNet50", "ResNet101", "ResNet152", "VGG16", "VGG19", "Xception",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "efficientnet", "imagenet_utils", "mobilenet_v2", "resnet", "resnet50", "vgg16", "vgg19", "xception",
]
