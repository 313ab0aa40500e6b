"""tf.keras's ``keras.layers.experimental.preprocessing.X`` names, resolving to the Keras 3 layers."""
from fkeras.layers.preprocessing import (CategoryEncoding, CenterCrop, Discretization, Hashing, IntegerLookup,
                                         Normalization, RandomBrightness, RandomContrast, RandomCrop, RandomFlip,
                                         RandomRotation, RandomTranslation, RandomZoom, Rescaling, Resizing,
                                         StringLookup, TextVectorization)

__all__ = [
    "CategoryEncoding", "CenterCrop", "Discretization", "Hashing", "IntegerLookup", "Normalization",
    "RandomBrightness", "RandomContrast", "RandomCrop", "RandomFlip", "RandomRotation", "RandomTranslation",
    "RandomZoom", "Rescaling", "Resizing", "StringLookup", "TextVectorization",
]
