"""tf.keras's ``keras.layers.experimental.preprocessing.X`` names, resolving to the Keras 3 layers."""
from fkeras.layers import preprocessing as _preprocessing
from fkeras.layers.preprocessing import *  # noqa: F401,F403  (the same objects under the old path)

__all__ = list(_preprocessing.__all__)
