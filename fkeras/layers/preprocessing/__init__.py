"""Keras 3's preprocessing layers (``keras.layers.Normalization``, ``RandomFlip``, ``StringLookup``, ...)."""
from fkeras.layers.preprocessing.augmentation import (RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                                                      RandomRotation, RandomTranslation, RandomZoom)
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
