"""``keras.optimizers``: Keras 3 optimizers implemented as optax ``GradientTransformation``s.

Example:

```python
from fkeras import optimizers
opt = optimizers.get("adam")          # Adam(learning_rate=0.001)
opt.tx                                # the optax transformation a trainer runs
```
"""
from fkeras.optimizers import schedules
from fkeras.optimizers.adadelta import Adadelta
from fkeras.optimizers.adafactor import Adafactor
from fkeras.optimizers.adagrad import Adagrad
from fkeras.optimizers.adam import Adam, AdamW
from fkeras.optimizers.adamax import Adamax
from fkeras.optimizers.base import Optimizer
from fkeras.optimizers.ftrl import Ftrl
from fkeras.optimizers.lamb import Lamb
from fkeras.optimizers.lion import Lion
from fkeras.optimizers.loss_scale_optimizer import LossScaleOptimizer
from fkeras.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from fkeras.optimizers.muon import Muon
from fkeras.optimizers.nadam import Nadam
from fkeras.optimizers.optax_optimizer import OptaxOptimizer
from fkeras.optimizers.rmsprop import RMSprop
from fkeras.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from fkeras.optimizers.serialization import ALL_OBJECTS, ALL_OBJECTS_DICT, deserialize, get, serialize
from fkeras.optimizers.sgd import SGD

__all__ = [
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "OptaxOptimizer",
    "Optimizer",
    "OptimizerMap",
    "RMSprop",
    "SGD",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]
