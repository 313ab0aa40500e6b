"""Keras 3's preprocessing layers (``keras.layers.Normalization``, ``RandomFlip``, ``StringLookup``, ...)."""
from fkeras.layers.preprocessing.augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from fkeras.layers.preprocessing.categorical import CategoryEncoding, Discretization, Hashing
from fkeras.layers.preprocessing.image import CenterCrop, Resizing
from fkeras.layers.preprocessing.lookup import IntegerLookup, StringLookup
from fkeras.layers.preprocessing.normalization import Normalization, Rescaling
from fkeras.layers.preprocessing.text import TextVectorization

__all__ = [
    "CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Normalization",
    "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation",
    "RandomZoom", "Rescaling", "Resizing", "StringLookup", "TextVectorization",
]

from fkeras.layers.preprocessing.color import (  # noqa: E402
    RandomColorDegeneration,
    RandomColorJitter,
    RandomGaussianBlur,
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPosterization,
    RandomSaturation,
    RandomSharpness,
    Solarization,
)
from fkeras.layers.preprocessing.histogram import (  # noqa: E402
    AutoContrast,
    ContrastLimitedAdaptiveHistogramEqualization,
    Equalization,
)

__all__ += [
    "AutoContrast", "ContrastLimitedAdaptiveHistogramEqualization", "Equalization", "RandomColorDegeneration",
    "RandomColorJitter", "RandomGaussianBlur", "RandomGrayscale", "RandomHue", "RandomInvert", "RandomPosterization",
    "RandomSaturation", "RandomSharpness", "Solarization",
]

from fkeras.layers.preprocessing.geometric import RandomElasticTransform, RandomErasing, RandomPerspective, RandomShear  # noqa: E402
from fkeras.layers.preprocessing.mixing import CutMix, MaxNumBoundingBoxes, MixUp, Pipeline  # noqa: E402

__all__ += ["CutMix", "MaxNumBoundingBoxes", "MixUp", "Pipeline", "RandomElasticTransform", "RandomErasing",
            "RandomPerspective", "RandomShear"]

from fkeras.layers.preprocessing.categorical import HashedCrossing  # noqa: E402

__all__ += ["HashedCrossing"]

from fkeras.layers.preprocessing.policies import AugMix, RandAugment  # noqa: E402

__all__ += ["AugMix", "RandAugment"]
