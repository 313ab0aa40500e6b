"""``keras.callbacks``."""
from fkeras.callbacks.callback import Callback, CallbackList
from fkeras.callbacks.history import History
from fkeras.callbacks.lambda_callback import LambdaCallback
from fkeras.callbacks.progbar_logger import ProgbarLogger
from fkeras.callbacks.early_stopping import EarlyStopping
