"""``keras.utils.clear_session``: the same function as ``keras.backend.clear_session`` (Keras 3 exports
it under both names); it lives in ``fkeras/backend/common.py``."""
from __future__ import annotations

from fkeras.backend.common import clear_session

__all__ = ["clear_session"]
