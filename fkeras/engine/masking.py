"""Masks that travel with tensors, as in Keras 3: a mask-producing layer (``Embedding(mask_zero=
True)``, ``Masking``) attaches its output mask to the output as ``_keras_mask``, and the next
layer whose ``call`` takes ``mask=`` receives it without the caller passing it.

Concrete ``jax.Array``s and ``KerasTensor``s hold the mask as an attribute. Tracers (inside
``jit``) and numpy arrays refuse new attributes, so their masks live in a table keyed by the
object's id, dropped when the object is garbage-collected.
"""
from __future__ import annotations

import threading
import weakref

_table = {}  # id(tensor) -> mask, for tensors that take no attributes
_lock = threading.Lock()


def _forget(key):
    with _lock:
        _table.pop(key, None)


def set_keras_mask(x, mask):
    """Attach ``mask`` to ``x`` (``None`` clears it)."""
    try:
        if mask is None:
            if "_keras_mask" in getattr(x, "__dict__", {}):
                delattr(x, "_keras_mask")
        else:
            x._keras_mask = mask
        return
    except (AttributeError, TypeError):
        pass
    key = id(x)
    with _lock:
        if mask is None:
            _table.pop(key, None)
            return
        try:
            weakref.finalize(x, _forget, key)
        except TypeError:  # an object without weak references (a Python scalar): keep nothing
            return
        _table[key] = mask


def get_keras_mask(x):
    """The mask attached to ``x``, or ``None``."""
    if x is None or isinstance(x, (int, float, bool, str)):
        return None
    try:
        mask = getattr(x, "_keras_mask", None)
    except Exception:  # noqa: BLE001 - objects whose __getattr__ raises something else
        mask = None
    if mask is not None:
        return mask
    if not _table:
        return None
    with _lock:
        return _table.get(id(x))
