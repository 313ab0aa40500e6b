"""Layer wrappers: ``Wrapper`` (base), ``TimeDistributed`` and ``Bidirectional``."""
from __future__ import annotations

import copy

import jax
import jax.numpy as jnp

from fkeras.engine.layer import Layer, _call_signature_info, display_shape
from fkeras.saving import registry

__all__ = ["Wrapper", "TimeDistributed", "Bidirectional"]


def _module_objects():
    """Classes of this family, so configs resolve even before ``fkeras.layers`` re-exports them."""
    from fkeras.layers import embedding, masking, recurrent

    out = {}
    for mod in (recurrent, embedding, masking):
        out.update({n: getattr(mod, n) for n in mod.__all__})
    out.update({"Wrapper": Wrapper, "TimeDistributed": TimeDistributed, "Bidirectional": Bidirectional})
    return out


def _deserialize(config, custom_objects=None):
    return registry.deserialize_keras_object(config, custom_objects=custom_objects,
                                             module_objects=_module_objects())


def _from_config_dtype(config):
    if "dtype" in config and isinstance(config["dtype"], dict):
        from fkeras.dtype_policies import dtype_policy

        config["dtype"] = dtype_policy.get(config["dtype"])
    return config


class Wrapper(Layer):
    """Abstract base of layers that wrap another layer (``self.layer``).

    Args:
        layer: The ``keras.layers.Layer`` instance to wrap (``self.layer``).
        **kwargs: Base layer arguments (``name``, ``dtype``...).
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"Layer {layer!r} supplied to {type(self).__name__} isn't a supported layer type. Please "
                "ensure the wrapped layer is a valid Keras layer.")
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True
        self.built = True

    def get_config(self):
        config = super().get_config()
        config["layer"] = registry.serialize_keras_object(self.layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = _from_config_dtype(dict(config))
        layer = _deserialize(config.pop("layer"), custom_objects)
        return cls(layer, **config)


class TimeDistributed(Wrapper):
    """Applies ``layer`` to every timestep (axis 1) of the input independently.

    The batch and time axes are merged, the layer is called once on ``(batch * time, ...)`` and the
    result is split back, so the weights are shared across timesteps.

    Args:
        layer: The ``keras.layers.Layer`` instance to apply to each timestep.
        **kwargs: Base layer arguments (``name``, ``dtype``...).

    Example:
        y = keras.layers.TimeDistributed(keras.layers.Dense(8))(np.ones((32, 10, 16)))   # (32, 10, 8)
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `TimeDistributed` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer!r}")
        super().__init__(layer, **kwargs)
        self.supports_masking = True

    def _get_child_input_shape(self, input_shape):
        if not isinstance(input_shape, (tuple, list)) or len(input_shape) < 3:
            raise ValueError(
                f"`TimeDistributed` Layer {self.name!r} should be passed an `input_shape` with at least 3 "
                f"dimensions, received: {input_shape}")
        return (input_shape[0], *input_shape[2:])

    def build(self, input_shape):
        child = self._get_child_input_shape(tuple(input_shape))
        super().build(child)

    def compute_output_shape(self, input_shape):
        child = self._get_child_input_shape(tuple(input_shape))
        out = self.layer.compute_output_shape(child)
        return (out[0], input_shape[1], *out[1:])

    def call(self, inputs, training=None, mask=None):
        if inputs.ndim < 3:
            raise ValueError(
                f"`TimeDistributed` layer {self.name!r} expects inputs with at least 3 dimensions (batch, "
                f"timesteps, ...); received shape {display_shape(inputs.shape)}.")
        b, t = inputs.shape[0], inputs.shape[1]
        if mask is not None:
            mask = jnp.asarray(mask)
            if mask.ndim < 2:
                raise ValueError(
                    "The `mask` passed to the `TimeDistributed` layer must be at least 2D (e.g., "
                    f"`(batch_size, timesteps)`), but it has {mask.ndim} dimension(s) with shape "
                    f"{display_shape(mask.shape)}.")
            ms, xs = display_shape(mask.shape), display_shape(inputs.shape)
            if any(a is not None and c is not None and a != c for a, c in zip(ms[:2], xs[:2])):
                raise ValueError(
                    f"The `mask` passed to the `TimeDistributed` layer has a shape {ms} that is "
                    f"incompatible with the input shape {xs}. The first two dimensions of the mask "
                    "(batch size and timesteps) must match the input's first two dimensions.")
        flat = inputs.reshape((b * t,) + tuple(inputs.shape[2:]))
        info = _call_signature_info(type(self.layer).call)
        kwargs = {}
        if info["mask"] and mask is not None:
            kwargs["mask"] = mask.reshape((b * t,) + tuple(mask.shape[2:]))
        if info["training"]:
            kwargs["training"] = training
        out = self.layer(flat, **kwargs)
        return jax.tree_util.tree_map(lambda o: o.reshape((b, t) + tuple(o.shape[1:])), out)


_MERGE_MODES = ("sum", "mul", "ave", "concat", None)


class Bidirectional(Layer):
    """Runs an RNN forwards and a copy of it backwards, merging the two outputs.

    ``merge_mode``: ``"concat"`` (default), ``"sum"``, ``"mul"``, ``"ave"`` or ``None`` (a list of
    both outputs). The backward output is re-reversed to the input's time order before merging.
    With ``return_state`` the forward states come first, then the backward ones. The two copies are
    sublayers named ``forward_<name>`` and ``backward_<name>``, each with its own weights.

    Args:
        layer: the recurrent layer to wrap (``LSTM``, ``GRU``, ``SimpleRNN``, ``RNN`` or any layer
            with ``go_backwards``, ``return_sequences``, ``return_state`` and ``stateful``). A fresh
            copy of it (from its config) is the forward layer; ``layer`` itself is not used.
        merge_mode: how the forward and backward outputs are combined: ``"concat"`` (the default;
            along the last axis), ``"sum"``, ``"mul"``, ``"ave"``, or ``None`` for a list of both.
        weights: optional list of initial weight arrays (forward layer's first, then the backward
            layer's), set once the layer is built.
        backward_layer: optional layer used for the backward direction instead of a copy of
            ``layer`` with ``go_backwards`` flipped. It must have the opposite ``go_backwards`` and
            the same ``stateful``, ``return_sequences`` and ``return_state`` as ``layer``.
        **kwargs: base layer arguments (``name``, ``dtype``, ...).

    Input shape:
        ``(batch_size, timesteps, features)``.

    Output shape:
        The wrapped layer's output shape, with the last axis doubled for ``"concat"``; with
        ``merge_mode=None`` a list of the two outputs.

    Call arguments:
        inputs: the sequence tensor.
        initial_state: optional list of initial states: the forward layer's first half, then the
            backward layer's.
        mask: optional boolean ``(batch_size, timesteps)`` mask, passed to both directions.
        training: passed to both directions (dropout).

    Raises:
        ValueError: if ``layer`` or ``backward_layer`` is not a layer, for an unknown ``merge_mode``, or
            if the two directions disagree as described above.

    Example:
        x = np.ones((2, 5, 3))
        y = keras.layers.Bidirectional(keras.layers.LSTM(10, return_sequences=True))(x)   # (2, 5, 20)
        y = keras.layers.Bidirectional(keras.layers.GRU(4), merge_mode="sum")(x)           # (2, 4)
    """

    def __init__(self, layer, merge_mode="concat", weights=None, backward_layer=None, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                "Please initialize `Bidirectional` layer with a `keras.layers.Layer` instance. "
                f"Received: {layer!r}")
        if backward_layer is not None and not isinstance(backward_layer, Layer):
            raise ValueError(
                f"`backward_layer` need to be a `keras.layers.Layer` instance. Received: {backward_layer!r}")
        if merge_mode not in _MERGE_MODES:
            raise ValueError(
                f"Invalid merge mode. Received: {merge_mode!r}. Merge mode should be one of "
                '{"sum", "mul", "ave", "concat", None}')
        super().__init__(**kwargs)
        config = registry.serialize_keras_object(layer)
        config["config"]["name"] = "forward_" + _removeprefix(layer.name, "forward_")
        config.pop("build_config", None)
        self.forward_layer = _deserialize(config)
        if backward_layer is None:
            config = registry.serialize_keras_object(layer)
            config["config"]["go_backwards"] = True
            config["config"]["name"] = "backward_" + _removeprefix(layer.name, "backward_")
            config.pop("build_config", None)
            self.backward_layer = _deserialize(config)
        else:
            self.backward_layer = backward_layer
        self._verify_layer_config()
        for lyr in (self.forward_layer, self.backward_layer):
            if getattr(lyr, "zero_output_for_mask", None) is not None:
                lyr.zero_output_for_mask = lyr.return_sequences
        self.merge_mode = merge_mode
        self.stateful = layer.stateful
        self.return_sequences = layer.return_sequences
        self.return_state = layer.return_state
        self.supports_masking = True
        self.input_spec = layer.input_spec
        self._initial_weights = list(weights) if weights else None

    def _verify_layer_config(self):
        f, b = self.forward_layer, self.backward_layer
        if f.go_backwards == b.go_backwards:
            raise ValueError(
                "Forward layer and backward layer should have different `go_backwards` value. Received: "
                f"forward_layer.go_backwards={f.go_backwards}, backward_layer.go_backwards={b.go_backwards}")
        for a in ("stateful", "return_sequences", "return_state"):
            fv, bv = getattr(f, a), getattr(b, a)
            if fv != bv:
                raise ValueError(
                    f'Forward layer and backward layer are expected to have the same value for attribute '
                    f'"{a}", got "{fv}" for forward layer and "{bv}" for backward layer')

    def build(self, sequences_shape, initial_state_shape=None):
        sequences_shape = tuple(sequences_shape)
        for lyr in (self.forward_layer, self.backward_layer):
            if not lyr.built:
                lyr.build(sequences_shape)
                lyr.built = True
        self.built = True
        if self._initial_weights:
            w, self._initial_weights = self._initial_weights, None
            self.set_weights(w)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        kwargs = {}
        info = _call_signature_info(type(self.forward_layer).call)
        if info["training"]:
            kwargs["training"] = training
        if info["mask"] and mask is not None:
            kwargs["mask"] = mask
        if initial_state is not None:
            initial_state = list(initial_state)
            half = len(initial_state) // 2
            fwd_state, bwd_state = initial_state[:half], initial_state[half:]
        else:
            fwd_state = bwd_state = None
        y = self.forward_layer(sequences, initial_state=fwd_state, **kwargs)
        y_rev = self.backward_layer(sequences, initial_state=bwd_state, **kwargs)
        if self.return_state:
            states = tuple(y[1:]) + tuple(y_rev[1:])
            y, y_rev = y[0], y_rev[0]
        y = y.astype(self.compute_dtype)
        y_rev = y_rev.astype(self.compute_dtype)
        if self.return_sequences:
            y_rev = jnp.flip(y_rev, axis=1)
        if self.merge_mode == "concat":
            output = jnp.concatenate([y, y_rev], axis=-1)
        elif self.merge_mode == "sum":
            output = y + y_rev
        elif self.merge_mode == "ave":
            output = (y + y_rev) / 2
        elif self.merge_mode == "mul":
            output = y * y_rev
        else:
            output = (y, y_rev)
        if self.return_state:
            if self.merge_mode is None:
                return output + states
            return (output,) + states
        return output

    def compute_mask(self, inputs, mask=None):
        if isinstance(mask, (list, tuple)):
            mask = mask[0]
        if self.return_sequences:
            output_mask = (mask, mask) if not self.merge_mode else mask
        else:
            output_mask = (None, None) if not self.merge_mode else None
        if self.return_state:
            n = len(self.forward_layer.state_size) * 2
            head = list(output_mask) if isinstance(output_mask, tuple) else [output_mask]
            return head + [None] * n
        return output_mask

    @property
    def states(self):
        f, b = getattr(self.forward_layer, "states", None), getattr(self.backward_layer, "states", None)
        if f and b:
            return tuple(f) + tuple(b)
        return None

    def reset_state(self, states=None):
        if not self.stateful:
            raise AttributeError("Layer must be stateful.")
        if states is None:
            self.forward_layer.reset_state()
            self.backward_layer.reset_state()
        else:
            states = list(states)
            half = len(states) // 2
            self.forward_layer.reset_state(states[:half])
            self.backward_layer.reset_state(states[half:])

    def reset_states(self, states=None):
        """tf.keras name of ``reset_state``."""
        self.reset_state(states)

    def get_config(self):
        config = super().get_config()
        config["merge_mode"] = self.merge_mode
        config["layer"] = registry.serialize_keras_object(self.forward_layer)
        config["backward_layer"] = registry.serialize_keras_object(self.backward_layer)
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = _from_config_dtype(copy.deepcopy(config))
        config["layer"] = _deserialize(config["layer"], custom_objects)
        bw = config.pop("backward_layer", None)
        if bw is not None:
            config["backward_layer"] = _deserialize(bw, custom_objects)
        return cls(**config)


def _removeprefix(s, prefix):
    return s[len(prefix):] if s.startswith(prefix) else s
