"""``keras.utils.Config``: a dict of named values with attribute access, freezing and JSON export."""
from __future__ import annotations

import copy
import difflib
import json


class Config:
    """A dict-like container of named settings, readable and writable as attributes or items.

    A config can be frozen (``freeze()``) so that later code cannot change it by accident: any
    write (attribute, item, ``update``, ``pop``, ``del``) then raises ``ValueError`` until
    ``unfreeze()``. ``as_dict()`` returns a shallow copy and ``to_json()`` a JSON string.
    Iterating a config yields its keys in sorted order.

    Args:
        **kwargs: Initial entries.

    Example:
        >>> config = keras.utils.Config(learning_rate=0.1, momentum=0.9)
        >>> config.seed = 123          # attribute-style write
        >>> config["batch_size"] = 32  # item-style write
        >>> config.learning_rate, config["seed"]
        (0.1, 123)
        >>> config.freeze()
        >>> config.seed = 0
        Traceback (most recent call last):
        ...
        ValueError: Cannot mutate attribute(s) because the config is frozen.
    """

    # Names that are real attributes of the object (methods, properties, internals); anything
    # else read or written as an attribute is an entry of the config.
    _own_names = None

    def __init__(self, **kwargs):
        object.__setattr__(self, "_config", dict(kwargs))
        object.__setattr__(self, "_frozen", False)
        object.__setattr__(self, "_own_names", frozenset(dir(type(self))) | {"_config", "_frozen"})

    @property
    def frozen(self):
        """True while the config is frozen (writes raise ``ValueError``)."""
        return self._frozen

    def freeze(self):
        """Forbid every change to the config until ``unfreeze()`` is called."""
        object.__setattr__(self, "_frozen", True)

    def unfreeze(self):
        """Allow changes to the config again."""
        object.__setattr__(self, "_frozen", False)

    def _check_writable(self):
        if self._frozen:
            raise ValueError("Cannot mutate attribute(s) because the config is frozen.")

    def as_dict(self):
        """A shallow copy of the entries, as a plain ``dict``.

        Returns:
            A dict.
        """
        return copy.copy(self._config)

    def to_json(self):
        """The entries serialized with ``json.dumps`` (values must be JSON-serializable).

        Returns:
            A JSON string.
        """
        return json.dumps(self._config)

    def keys(self):
        """The entry names (a dict view, in insertion order)."""
        return self._config.keys()

    def values(self):
        """The entry values (a dict view, in insertion order)."""
        return self._config.values()

    def items(self):
        """``(name, value)`` pairs (a dict view, in insertion order)."""
        return self._config.items()

    def get(self, keyname, value=None):
        """The value of ``keyname``, or ``value`` when it is absent.

        Args:
            keyname: The entry name.
            value: The default returned for a missing entry.

        Returns:
            The entry's value or the default.
        """
        return self._config.get(keyname, value)

    def pop(self, *args):
        """Remove an entry and return its value (``dict.pop`` semantics); refused while frozen.

        Args:
            *args: The entry name, and optionally a default for a missing entry.

        Returns:
            The removed value (or the default).
        """
        self._check_writable()
        return self._config.pop(*args)

    def update(self, *args, **kwargs):
        """Add or overwrite entries (``dict.update`` semantics); refused while frozen.

        Args:
            *args: An optional mapping or iterable of pairs.
            **kwargs: Entries given by name.
        """
        self._check_writable()
        self._config.update(*args, **kwargs)

    def __setattr__(self, name, value):
        own = object.__getattribute__(self, "_own_names")
        if own is None or name in own:
            object.__setattr__(self, name, value)
            return
        self._check_writable()
        self._config[name] = value

    def __getattr__(self, name):
        # Only reached when normal lookup fails, i.e. for entries (and for missing names).
        if name.startswith("__") or name in ("_config", "_frozen", "_own_names"):
            raise AttributeError(name)
        config = object.__getattribute__(self, "_config")
        if name in config:
            return config[name]
        message = f"Unknown attribute: '{name}'."
        close = difflib.get_close_matches(name, [str(k) for k in config], n=1, cutoff=0.7)
        if close:
            message += f" Did you mean '{close[0]}'?"
        raise AttributeError(message)

    def __delattr__(self, name):
        own = object.__getattribute__(self, "_own_names")
        if name in own:
            object.__delattr__(self, name)
            return
        self._check_writable()
        try:
            del self._config[name]
        except KeyError:
            raise AttributeError(f"Unknown attribute: '{name}'.") from None

    def __setitem__(self, key, item):
        self._check_writable()
        self._config[key] = item

    def __getitem__(self, key):
        return self._config[key]

    def __delitem__(self, key):
        self._check_writable()
        del self._config[key]

    def __contains__(self, item):
        return item in self._config

    def __iter__(self):
        return iter(sorted(self._config))

    def __len__(self):
        return len(self._config)

    def __repr__(self):
        return f"<Config {self._config}>"

    def __copy__(self):
        new = type(self)(**self._config)
        if self._frozen:
            new.freeze()
        return new

    def __deepcopy__(self, memo):
        new = type(self)(**copy.deepcopy(self._config, memo))
        if self._frozen:
            new.freeze()
        return new

    def __getstate__(self):
        return {"config": self._config, "frozen": self._frozen}

    def __setstate__(self, state):
        type(self).__init__(self, **state["config"])
        object.__setattr__(self, "_frozen", state["frozen"])
