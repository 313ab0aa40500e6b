"""``keras.models``."""
from fkeras.models.model import Model
from fkeras.models.functional import Functional
from fkeras.models.sequential import Sequential
