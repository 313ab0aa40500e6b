"""``keras.applications``: ImageNet classifiers with Keras's constructors, layer names and weight files.

Example:
    base = keras.applications.MobileNetV2(input_shape=(96, 96, 3), include_top=False,
                                          weights=None, pooling="avg")
    x = keras.applications.mobilenet_v2.preprocess_input(images)
"""
from fkeras.applications import (
    convnext,
    densenet,
    efficientnet,
    efficientnet_v2,
    imagenet_utils,
    inception_resnet_v2,
    inception_v3,
    mobilenet,
    mobilenet_v2,
    mobilenet_v3,
    nasnet,
    resnet,
    resnet50,
    resnet_v2,
    vgg16,
    vgg19,
    xception,
)
from fkeras.applications.convnext import (  # LayerScale, StochasticDepth: see the note above __all__
    ConvNeXtBase,
    ConvNeXtLarge,
    ConvNeXtSmall,
    ConvNeXtTiny,
    ConvNeXtXLarge,
    LayerScale,  # noqa: F401
    StochasticDepth,  # noqa: F401
)
from fkeras.applications.densenet import DenseNet121, DenseNet169, DenseNet201
from fkeras.applications.efficientnet import (
    EfficientNetB0,
    EfficientNetB1,
    EfficientNetB2,
    EfficientNetB3,
    EfficientNetB4,
    EfficientNetB5,
    EfficientNetB6,
    EfficientNetB7,
)
from fkeras.applications.efficientnet_v2 import (
    EfficientNetV2B0,
    EfficientNetV2B1,
    EfficientNetV2B2,
    EfficientNetV2B3,
    EfficientNetV2L,
    EfficientNetV2M,
    EfficientNetV2S,
)
from fkeras.applications.inception_resnet_v2 import CustomScaleLayer, InceptionResNetV2  # noqa: F401
from fkeras.applications.inception_v3 import InceptionV3
from fkeras.applications.mobilenet import MobileNet
from fkeras.applications.mobilenet_v2 import MobileNetV2
from fkeras.applications.mobilenet_v3 import MobileNetV3Large, MobileNetV3Small
from fkeras.applications.nasnet import NASNetLarge, NASNetMobile
from fkeras.applications.resnet import ResNet50, ResNet101, ResNet152
from fkeras.applications.resnet_v2 import ResNet50V2, ResNet101V2, ResNet152V2
from fkeras.applications.vgg16 import VGG16
from fkeras.applications.vgg19 import VGG19
from fkeras.applications.xception import Xception

# LayerScale, StochasticDepth and CustomScaleLayer are not in Keras's public namespace (so not in __all__):
# model files name them by module (``keras.applications`` from fkeras, ``keras.src.applications.<family>``
# from Keras) and loading looks them up here, so models using them load from ``.keras`` files.
__all__ = [
    "MobileNetV2", "ResNet50", "ResNet101", "ResNet152", "VGG16", "VGG19", "Xception",
    "EfficientNetB0", "EfficientNetB1", "EfficientNetB2", "EfficientNetB3", "EfficientNetB4",
    "EfficientNetB5", "EfficientNetB6", "EfficientNetB7",
    "efficientnet", "imagenet_utils", "mobilenet_v2", "resnet", "resnet50", "vgg16", "vgg19", "xception",
    "DenseNet121", "DenseNet169", "DenseNet201", "MobileNet", "MobileNetV3Small", "MobileNetV3Large",
    "InceptionV3", "InceptionResNetV2", "ResNet50V2", "ResNet101V2", "ResNet152V2",
    "ConvNeXtTiny", "ConvNeXtSmall", "ConvNeXtBase", "ConvNeXtLarge", "ConvNeXtXLarge",
    "EfficientNetV2B0", "EfficientNetV2B1", "EfficientNetV2B2", "EfficientNetV2B3", "EfficientNetV2S",
    "EfficientNetV2M", "EfficientNetV2L", "NASNetMobile", "NASNetLarge",
    "convnext", "densenet", "efficientnet_v2", "inception_resnet_v2", "inception_v3", "mobilenet",
    "mobilenet_v3", "nasnet", "resnet_v2",
]
