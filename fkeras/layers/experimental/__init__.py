"""tf.keras's ``keras.layers.experimental`` namespace (preprocessing layers moved to ``keras.layers``)."""
from fkeras.layers.experimental import preprocessing

__all__ = ["preprocessing"]
