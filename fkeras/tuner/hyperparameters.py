"""``HyperParameters``: keras_tuner's search-space API (``hp.Int``, ``hp.Float``, ``hp.Choice``, ...).

A ``HyperParameters`` object is handed to ``build(hp)``. Each ``hp.Int(...)`` call both declares a
hyperparameter and returns its value for the current trial: its default outside a search, a
value drawn by the tuner's optuna sampler inside one, the stored value for
``get_best_hyperparameters()``.
"""
from __future__ import annotations

import contextlib
import copy
import math

from fkeras.utils.naming import did_you_mean, unknown_identifier_error

_SAMPLINGS = ("linear", "log", "reverse_log")
_CHOICE_TYPES = (bool, int, float, str)


def _check_name(name):
    if not isinstance(name, str) or not name:
        raise ValueError(f"A hyperparameter name must be a non-empty string; received name={name!r}.")
    return name


def _check_sampling(name, sampling):
    if sampling is None:
        return "linear"
    if not isinstance(sampling, str) or sampling.lower() not in _SAMPLINGS:
        raise unknown_identifier_error("sampling", sampling, _SAMPLINGS)
    return sampling.lower()


def _check_number(hp_name, arg, value, integer):
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        kind = "an integer" if integer else "a finite number"
        raise TypeError(f"`{arg}` of hyperparameter {hp_name!r} must be {kind}; received {arg}={value!r}.")
    if integer:
        if float(value) != int(value):
            raise TypeError(f"`{arg}` of Int hyperparameter {hp_name!r} must be an integer; received {arg}={value!r}. "
                            "Use hp.Float for real-valued ranges.")
        return int(value)
    return float(value)


def _check_range(hp_name, min_value, max_value, sampling):
    if min_value > max_value:
        raise ValueError(f"Hyperparameter {hp_name!r}: `min_value` ({min_value}) must be <= `max_value` "
                         f"({max_value}).")
    if sampling in ("log", "reverse_log") and min_value <= 0:
        raise ValueError(f"Hyperparameter {hp_name!r}: sampling={sampling!r} needs a range of positive numbers "
                         f"(a log range cannot touch or cross zero); received min_value={min_value}, "
                         f"max_value={max_value}.")


def _geometric(lo, hi, factor, integer):
    values, v = [], lo
    while v <= hi * (1 + 1e-12):
        values.append(int(round(v)) if integer else float(v))
        v = v * factor
    return values


class HyperParameter:
    """Base of the hyperparameter kinds; ``conditions`` are ``(parent_name, parent_values)`` pairs."""

    def __init__(self, name, default=None, conditions=None):
        self.name = _check_name(name)
        self.default = default
        self.conditions = list(conditions or [])

    def get_config(self):
        return {"name": self.name, "default": self.default,
                "conditions": [{"name": n, "values": list(v)} for n, v in self.conditions]}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        conditions = [(c["name"], list(c["values"])) for c in config.pop("conditions", [])]
        return cls(conditions=conditions, **config)

    def _summary(self):
        cfg = self.get_config()
        cfg.pop("name")
        cfg["conditions"] = [f"{c['name']} in {c['values']}" for c in cfg["conditions"]]
        return cfg

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items() if k != "conditions")
        return f"{type(self).__name__}({args})"


class _Range(HyperParameter):
    """Shared by Int and Float: a default inside ``[min_value, max_value]`` and the range config."""

    def _set_default(self, name, default, integer):
        if default is not None:
            self.default = _check_number(name, "default", default, integer)
            if not self.min_value <= self.default <= self.max_value:
                raise ValueError(f"Hyperparameter {name!r}: default={default} is outside [{self.min_value}, "
                                 f"{self.max_value}].")

    def default_value(self):
        return self.min_value if self.default is None else self.default

    def get_config(self):
        cfg = super().get_config()
        cfg.update(min_value=self.min_value, max_value=self.max_value, step=self.step, sampling=self.sampling)
        return cfg


class Int(_Range):
    """An integer in ``[min_value, max_value]`` (both ends included).

    ``step`` is the spacing (linear) or the multiplier between candidate values (log).
    """

    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        super().__init__(name, default, conditions)
        self.min_value = _check_number(name, "min_value", min_value, True)
        self.max_value = _check_number(name, "max_value", max_value, True)
        self.sampling = _check_sampling(name, sampling)
        _check_range(name, self.min_value, self.max_value, self.sampling)
        if step is not None:
            step = _check_number(name, "step", step, True)
            least = 2 if self.sampling != "linear" else 1
            if step < least:
                raise ValueError(f"Hyperparameter {name!r}: `step` must be >= {least} with sampling={self.sampling!r} "
                                 f"(it is {'a multiplier' if least == 2 else 'a spacing'}); received step={step}.")
        self.step = step
        self._set_default(name, default, integer=True)

    def suggest(self, trial):
        lo, hi, step = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            step = step or 1
            return int(trial.suggest_int(self.name, lo, lo + (hi - lo) // step * step, step=step))
        if step is not None:  # log with a multiplier: a geometric grid
            return int(trial.suggest_categorical(self.name, _geometric(lo, hi, step, True)))
        value = int(trial.suggest_int(self.name, lo, hi, log=True))
        return lo + hi - value if self.sampling == "reverse_log" else value


class Float(_Range):
    """A real number in ``[min_value, max_value]``; ``sampling="log"`` for scales like learning rates.

    ``step`` (optional) is the spacing (linear) or the multiplier between candidate values (log).
    """

    def __init__(self, name, min_value, max_value, step=None, sampling="linear", default=None, conditions=None):
        super().__init__(name, default, conditions)
        self.min_value = _check_number(name, "min_value", min_value, False)
        self.max_value = _check_number(name, "max_value", max_value, False)
        self.sampling = _check_sampling(name, sampling)
        _check_range(name, self.min_value, self.max_value, self.sampling)
        if step is not None:
            step = _check_number(name, "step", step, False)
            if (self.sampling == "linear" and step <= 0) or (self.sampling != "linear" and step <= 1):
                need = "> 0 (a spacing)" if self.sampling == "linear" else "> 1 (a multiplier)"
                raise ValueError(f"Hyperparameter {name!r}: `step` must be {need} with sampling={self.sampling!r}; "
                                 f"received step={step}.")
        self.step = step
        self._set_default(name, default, integer=False)

    def suggest(self, trial):
        lo, hi, step = self.min_value, self.max_value, self.step
        if self.sampling == "linear":
            if step is None:
                return float(trial.suggest_float(self.name, lo, hi))
            n = math.floor((hi - lo) / step + 1e-9)
            return float(round(trial.suggest_float(self.name, lo, lo + n * step, step=step), 12))
        if step is not None:
            return float(trial.suggest_categorical(self.name, _geometric(lo, hi, step, False)))
        value = float(trial.suggest_float(self.name, lo, hi, log=True))
        return lo + hi - value if self.sampling == "reverse_log" else value


class Choice(HyperParameter):
    """One of ``values`` (all ints, all floats, all strings or all bools)."""

    def __init__(self, name, values, ordered=None, default=None, conditions=None):
        super().__init__(name, default, conditions)
        values = list(values) if isinstance(values, (list, tuple, range)) else values
        if not isinstance(values, list) or not values:
            raise ValueError(f"Choice {name!r}: `values` must be a non-empty list; received values={values!r}.")
        kinds = {bool if isinstance(v, bool) else int if isinstance(v, int) else float if isinstance(v, float)
                 else str if isinstance(v, str) else None for v in values}
        if None in kinds:
            bad = [v for v in values if not isinstance(v, _CHOICE_TYPES)]
            raise TypeError(f"Choice {name!r}: values must be int, float, str or bool; received {bad[0]!r} "
                            f"(of type {type(bad[0]).__name__}).")
        if kinds == {int, float}:
            values = [float(v) for v in values]
        elif len(kinds) > 1:
            raise TypeError(f"Choice {name!r}: all values must have the same type; received {values!r}.")
        if len(set(values)) != len(values):
            raise ValueError(f"Choice {name!r}: `values` has duplicates: {values!r}.")
        self.values = values
        self.ordered = ordered if ordered is not None else not isinstance(values[0], (str, bool))
        if default is not None and default not in values:
            raise ValueError(f"Choice {name!r}: default={default!r} is not one of the values {values!r}.")

    def default_value(self):
        return self.values[0] if self.default is None else self.default

    def get_config(self):
        cfg = super().get_config()
        cfg.update(values=list(self.values), ordered=self.ordered)
        return cfg

    def suggest(self, trial):
        return trial.suggest_categorical(self.name, self.values)


class Boolean(HyperParameter):
    """``True`` or ``False``."""

    def __init__(self, name, default=False, conditions=None):
        if not isinstance(default, bool):
            raise TypeError(f"Boolean {name!r}: `default` must be True or False; received default={default!r}.")
        super().__init__(name, default, conditions)

    def default_value(self):
        return self.default

    def suggest(self, trial):
        return bool(trial.suggest_categorical(self.name, [False, True]))


class Fixed(HyperParameter):
    """A constant, recorded with the trial's hyperparameters but never searched."""

    def __init__(self, name, value, conditions=None, default=None):
        if value is not None and not isinstance(value, _CHOICE_TYPES):
            raise TypeError(f"Fixed {name!r}: `value` must be int, float, str, bool or None; received {value!r}.")
        super().__init__(name, value, conditions)
        self.value = value

    def default_value(self):
        return self.value

    def get_config(self):
        cfg = super().get_config()
        cfg.pop("default")
        cfg["value"] = self.value
        return cfg

    def suggest(self, trial):
        return self.value


_KINDS = {"Int": Int, "Float": Float, "Choice": Choice, "Boolean": Boolean, "Fixed": Fixed}


def hyperparameter_from_config(config):
    """Rebuild a hyperparameter from ``{"class_name": ..., "config": ...}``."""
    return _KINDS[config["class_name"]].from_config(config["config"])


def hyperparameter_to_config(hp):
    return {"class_name": type(hp).__name__, "config": hp.get_config()}


class HyperParameters:
    """The search space and the current values of one trial.

    Example:
        def build_model(hp):
            model = keras.Sequential()
            for i in range(hp.Int("num_layers", 1, 3)):
                model.add(keras.layers.Dense(hp.Int(f"units_{i}", 32, 256, step=32), activation="relu"))
            if hp.Boolean("dropout"):
                with hp.conditional_scope("dropout", [True]):
                    model.add(keras.layers.Dropout(hp.Float("rate", 0.1, 0.5, step=0.1)))
            model.add(keras.layers.Dense(10, activation="softmax"))
            lr = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
            model.compile(keras.optimizers.Adam(lr), "sparse_categorical_crossentropy", metrics=["accuracy"])
            return model
    """

    def __init__(self):
        self._space = {}
        self._values = {}
        self._conditions = []
        self._trial = None  # an optuna Trial while a search runs
        self._overrides = {}  # set by a tuner given `hyperparameters=`
        self._tune_new = True
        self._allow_new = True

    # --- declaring ------------------------------------------------------------------------
    def _register(self, hp):
        conditions = list(self._conditions) + list(hp.conditions)
        tune = True
        if hp.name in self._overrides:  # the tuner's `hyperparameters=` redefine this one
            hp = copy.copy(self._overrides[hp.name])
        elif self._overrides:
            if not self._allow_new:
                raise ValueError(f"The hypermodel declares hyperparameter {hp.name!r}, which is not in the tuner's "
                                 "`hyperparameters`, and allow_new_entries=False.")
            tune = self._tune_new
        hp.conditions = conditions
        self._space.setdefault(hp.name, hp)
        if not self._conditions_hold(conditions):
            return None
        if hp.name in self._values:
            return self._values[hp.name]
        value = hp.suggest(self._trial) if self._trial is not None and tune else hp.default_value()
        self._values[hp.name] = value
        return value

    @staticmethod
    def _scope(parent_name, parent_values):
        if parent_name is None:
            return []
        if parent_values is None:
            raise ValueError(f"`parent_values` is required with parent_name={parent_name!r}.")
        values = list(parent_values) if isinstance(parent_values, (list, tuple, set)) else [parent_values]
        return [(parent_name, values)]

    def Int(self, name, min_value, max_value, step=None, sampling="linear", default=None, parent_name=None,
            parent_values=None):
        """Declare an integer hyperparameter and return its value.

        Example:
            units = hp.Int("units", min_value=32, max_value=512, step=32)
        """
        self._check_parent(parent_name)
        return self._register(Int(name, min_value, max_value, step=step, sampling=sampling, default=default,
                                  conditions=self._scope(parent_name, parent_values)))

    def Float(self, name, min_value, max_value, step=None, sampling="linear", default=None, parent_name=None,
              parent_values=None):
        """Declare a real-valued hyperparameter and return its value.

        Example:
            lr = hp.Float("learning_rate", 1e-4, 1e-2, sampling="log")
        """
        self._check_parent(parent_name)
        return self._register(Float(name, min_value, max_value, step=step, sampling=sampling, default=default,
                                    conditions=self._scope(parent_name, parent_values)))

    def Choice(self, name, values, ordered=None, default=None, parent_name=None, parent_values=None):
        """Declare a choice among ``values`` and return the chosen one.

        Example:
            activation = hp.Choice("activation", ["relu", "tanh"])
        """
        self._check_parent(parent_name)
        return self._register(Choice(name, values, ordered=ordered, default=default,
                                     conditions=self._scope(parent_name, parent_values)))

    def Boolean(self, name, default=False, parent_name=None, parent_values=None):
        """Declare a boolean hyperparameter and return its value."""
        self._check_parent(parent_name)
        return self._register(Boolean(name, default=default, conditions=self._scope(parent_name, parent_values)))

    def Fixed(self, name, value, parent_name=None, parent_values=None):
        """Declare a constant (recorded with each trial) and return it."""
        self._check_parent(parent_name)
        return self._register(Fixed(name, value, conditions=self._scope(parent_name, parent_values)))

    def _check_parent(self, parent_name):
        if parent_name is not None and parent_name not in self._space:
            raise ValueError(f"`parent_name` {parent_name!r} is not a declared hyperparameter; declare it before "
                             f"the hyperparameters that depend on it.{did_you_mean(parent_name, self._space)}")

    @contextlib.contextmanager
    def conditional_scope(self, parent_name, parent_values):
        """Hyperparameters declared inside are active only when ``parent_name``'s value is in ``parent_values``.

        Inside an inactive scope, declarations return ``None``.

        Example:
            model_type = hp.Choice("model_type", ["mlp", "cnn"])
            with hp.conditional_scope("model_type", "mlp"):
                units = hp.Int("units", 32, 128)  # None when model_type == "cnn"
        """
        self._check_parent(parent_name)
        self._conditions.extend(self._scope(parent_name, parent_values))
        try:
            yield
        finally:
            self._conditions.pop()

    def _conditions_hold(self, conditions):
        for parent, allowed in conditions:
            if parent not in self._values or self._values[parent] not in allowed:
                return False
        return True

    def is_active(self, hyperparameter):
        """Whether a hyperparameter (or name) has a value in this trial."""
        name = hyperparameter.name if isinstance(hyperparameter, HyperParameter) else hyperparameter
        return name in self._values

    # --- reading ---------------------------------------------------------------------------
    @property
    def values(self):
        """``{name: value}`` of the active hyperparameters."""
        return self._values

    @property
    def space(self):
        """The declared hyperparameters (``Int``, ``Float``, ... objects)."""
        return list(self._space.values())

    def get(self, name):
        """The current value of hyperparameter ``name``."""
        if name in self._values:
            return self._values[name]
        if name in self._space:
            return None  # declared, but inactive in this trial
        known = sorted(set(self._space) | set(self._values))
        raise KeyError(f"Hyperparameter {name!r} does not exist.{did_you_mean(name, known)} "
                       f"Known hyperparameters: {known}.")

    def __getitem__(self, name):
        return self.get(name)

    def __contains__(self, name):
        return name in self._values or name in self._space

    def copy(self):
        new = HyperParameters()
        new._space = dict(self._space)
        new._values = dict(self._values)
        new._overrides = dict(self._overrides)
        new._tune_new, new._allow_new = self._tune_new, self._allow_new
        return new

    def get_config(self):
        return {"space": [hyperparameter_to_config(hp) for hp in self._space.values()],
                "values": dict(self._values)}

    @classmethod
    def from_config(cls, config):
        hp = cls()
        for item in config.get("space", []):
            obj = hyperparameter_from_config(item)
            hp._space[obj.name] = obj
        hp._values = dict(config.get("values", {}))
        return hp

    def __repr__(self):
        return f"HyperParameters(values={self._values!r})"
