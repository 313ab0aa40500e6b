"""Augmentation policies that compose other image layers: Keras 3's ``AugMix`` and ``RandAugment``.

Both hold their component layers as attributes with Keras's names (``random_shear``,
``random_translation``, ..., ``equalization``) and pick among them with ``jax.lax.switch``, so
inside ``jax.jit`` only the chosen operation runs and the choice is a fresh draw on every call
(Keras-on-JAX draws AugMix's choices with Python's ``random`` at trace time, which fixes them in a
compiled step). A component's own parameters are drawn per image, from a key for that slot.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp

from fkeras.layers.preprocessing._base import check_choice
from fkeras.layers.preprocessing.augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomRotation,
    RandomTranslation,
    _factor_pair,
)
from fkeras.layers.preprocessing.color import (
    PixelLayer,
    RandomColorDegeneration,
    RandomPosterization,
    RandomSharpness,
    Solarization,
    _is_number,
    check_value_range,
)
from fkeras.layers.preprocessing.histogram import AutoContrast, Equalization

__all__ = ["AugMix", "RandAugment"]

_GEOMETRIC = ("random_shear", "random_translation", "random_rotation")
_PIXEL = ("random_posterization", "solarization", "auto_contrast", "equalization")
_COLOR = ("random_brightness", "random_color_degeneration", "random_contrast", "random_sharpness")


def _check_int(value, name, layer, minimum):
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ValueError(f"{layer}: `{name}` should be an integer >= {minimum}. Received: {name}={value!r}")
    return value


def mixing_weights(key, alpha, num_chains):
    """AugMix's random weights: Dirichlet(``alpha``, ..., ``alpha``) chain weights and a Beta(``alpha``,
    ``alpha``) blend weight.

    One draw of ``num_chains + 2`` log-Gamma(``alpha``) variables gives both: the first ``num_chains``
    normalized (a softmax of the logs), and ``g1 / (g1 + g2)`` of the last two (a sigmoid of their
    difference), which stays stable for small ``alpha``.

    Args:
        key: a ``jax.random`` key.
        alpha: the concentration, a positive number.
        num_chains: the number of chain weights.

    Returns:
        ``(weights, blend)``: a ``(num_chains,)`` vector summing to 1 and a scalar in ``(0, 1)``.
    """
    n = num_chains + 2
    if alpha == 1.0:  # Gamma(1) is Exponential(1): exact, and far cheaper to compile
        u = jax.random.uniform(key, (n,), minval=jnp.finfo(jnp.float32).tiny, maxval=1.0)
        log_g = jnp.log(-jnp.log(u))
    else:
        log_g = jax.random.loggamma(key, float(alpha), (n,))
    return jax.nn.softmax(log_g[:num_chains]), jax.nn.sigmoid(log_g[-2] - log_g[-1])


class _PolicyLayer(PixelLayer):
    """Builds the component layers and applies one of them, chosen by a traced index."""

    def _build_components(self, names, interpolation, **layer_kwargs):
        from fkeras.layers.preprocessing.geometric import RandomShear  # late: sibling module

        check_choice(interpolation, ("nearest", "bilinear"), "interpolation", type(self).__name__)
        f = self.factor
        common = {"seed": self.seed, "data_format": self.data_format, **layer_kwargs}
        colour = {"value_range": self.value_range, **common}
        makers = {
            "random_shear": lambda: RandomShear(x_factor=f, y_factor=f, interpolation=interpolation, **common),
            "random_translation": lambda: RandomTranslation(height_factor=f, width_factor=f,
                                                            interpolation=interpolation, **common),
            "random_rotation": lambda: RandomRotation(factor=f, interpolation=interpolation, **common),
            "random_brightness": lambda: RandomBrightness(factor=f, **colour),
            "random_color_degeneration": lambda: RandomColorDegeneration(factor=f, **colour),
            "random_contrast": lambda: RandomContrast(factor=f, **colour),
            "random_sharpness": lambda: RandomSharpness(factor=f, **colour),
            "solarization": lambda: Solarization(addition_factor=f, threshold_factor=f, **colour),
            "random_posterization": lambda: RandomPosterization(factor=max(1, int(8 * f[1])), **colour),
            "auto_contrast": lambda: AutoContrast(value_range=self.value_range, data_format=self.data_format,
                                                  **layer_kwargs),
            "equalization": lambda: Equalization(value_range=self.value_range, data_format=self.data_format,
                                                 **layer_kwargs),
        }
        for name in names:
            setattr(self, name, makers[name]())
        self._component_names = list(names)

    def _branches(self, images, key, identity=False):
        """One function per component (plus the identity when asked), each ``images -> images``."""

        def make(name):
            layer = getattr(self, name)

            def run(x):
                t = layer.get_random_transformation(x, key)
                return jnp.asarray(layer.transform_images(x, t)).astype(x.dtype)

            return run

        branches = [make(name) for name in self._component_names]
        if identity:
            branches.append(lambda x: x)
        return branches

    def call(self, inputs, training=True):
        if isinstance(inputs, dict) and ("bounding_boxes" in inputs or "segmentation_masks" in inputs):
            raise ValueError(
                f"{type(self).__name__}: dict inputs with 'bounding_boxes' or 'segmentation_masks' are not "
                "supported (the RandomTranslation and RandomRotation components move only images). Pass the "
                "images (and labels) alone.")
        return super().call(inputs, training=training)


class RandAugment(_PolicyLayer):
    """RandAugment: ``num_ops`` operations, each drawn uniformly from a fixed list, applied in turn.

    The operations are shear, translation, rotation, brightness, colour degeneration, contrast,
    sharpness, posterization, solarization, auto-contrast and equalization, all built with the
    same strength ``factor`` (as in Keras: e.g. ``RandomRotation(factor)``, ``Solarization(factor,
    factor)``, ``RandomPosterization(max(1, int(8 * factor[1])))``). Which operations run is drawn
    once per call for the whole batch; their parameters are drawn per image.

    Args:
        value_range: ``(low, high)`` range of the pixel values.
        num_ops: number of operations applied in sequence; defaults to 2.
        factor: strength, a number ``f`` in ``[0, 1]`` (meaning ``(0, f)``) or a pair ``(lower, upper)``;
            defaults to 0.5.
        interpolation: ``"bilinear"`` or ``"nearest"``, for the geometric operations.
        seed: optional integer folded into the layer's random key.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype (the identity with ``training=False``).

    Example:
        aug = keras.layers.RandAugment(value_range=(0, 255), num_ops=2, factor=0.3)
        model = keras.Sequential([keras.Input((32, 32, 3)), aug, keras.layers.Rescaling(1 / 255), ...])
    """

    _AUGMENT_LAYERS = _GEOMETRIC + _COLOR + ("random_posterization", "solarization", "auto_contrast",
                                             "equalization")

    def __init__(self, value_range=(0, 255), num_ops=2, factor=0.5, interpolation="bilinear", seed=None,
                 data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range(value_range, "RandAugment", sort=False)
        self.num_ops = _check_int(num_ops, "num_ops", "RandAugment", 0)
        self.factor = _factor_pair(factor, "factor", "RandAugment", low=0.0)
        self.interpolation = interpolation
        self._build_components(self._AUGMENT_LAYERS, interpolation, dtype=self.dtype_policy)

    def get_random_transformation(self, images, key):
        k_idx, k_ops = jax.random.split(key)
        return {"layer_idxes": jax.random.randint(k_idx, (self.num_ops,), 0, len(self._component_names)),
                "keys": jax.random.split(k_ops, self.num_ops)}

    def transform_images(self, images, t):
        def step(x, op):
            index, key = op
            return jax.lax.switch(index, self._branches(x, key), x), None

        # One traced copy of the operations, looped over the num_ops slots.
        return jax.lax.scan(step, images, (t["layer_idxes"], t["keys"]))[0]

    def get_config(self):
        return self._config(value_range=self.value_range, num_ops=self.num_ops, factor=self.factor,
                            interpolation=self.interpolation, seed=self.seed)


class AugMix(_PolicyLayer):
    """AugMix: a random convex mix of several chains of augmentations, blended with the original.

    Each of ``num_chains`` chains applies up to ``chain_depth`` operations, each slot drawn
    uniformly from the operation list *or* "nothing" (so a chain's depth varies from 0 to
    ``chain_depth``). The chains are mixed with Dirichlet(``alpha``) weights and the mix is blended
    with the input by a Beta(``alpha``, ``alpha``) weight ``m``: ``m * x + (1 - m) * mix``, clipped to
    ``value_range``. The operations and weights are drawn once per call for the whole batch; an
    operation's own parameters are drawn per image.

    Args:
        value_range: ``(low, high)`` range of the pixel values.
        num_chains: number of chains; defaults to 3.
        chain_depth: maximum number of operations per chain; defaults to 3.
        factor: strength of every operation, a number ``f`` in ``[0, 1]`` (meaning ``(0, f)``) or a pair;
            defaults to 0.3.
        alpha: concentration of the Dirichlet and Beta draws; defaults to 1.0.
        all_ops: if True (default) the list also holds brightness, colour degeneration, contrast and
            sharpness, besides shear, translation, rotation, posterization, solarization,
            auto-contrast and equalization.
        interpolation: ``"bilinear"`` or ``"nearest"``, for the geometric operations.
        seed: optional integer folded into the layer's random key.
        data_format: ``"channels_last"`` or ``"channels_first"``; defaults to the global setting.
        **kwargs: base layer arguments.

    Returns:
        Images of the input shape in the compute dtype (the identity with ``training=False``).

    Example:
        aug = keras.layers.AugMix(value_range=(0, 1), num_chains=2, chain_depth=2)
        aug(images)   # training mode when called directly
    """

    def __init__(self, value_range=(0, 255), num_chains=3, chain_depth=3, factor=0.3, alpha=1.0, all_ops=True,
                 interpolation="bilinear", seed=None, data_format=None, **kwargs):
        super().__init__(seed=seed, data_format=data_format, **kwargs)
        self.value_range = check_value_range(value_range, "AugMix", sort=False)
        self.num_chains = _check_int(num_chains, "num_chains", "AugMix", 1)
        self.chain_depth = _check_int(chain_depth, "chain_depth", "AugMix", 1)
        self.factor = _factor_pair(factor, "factor", "AugMix", low=0.0)
        if not _is_number(alpha) or alpha <= 0:
            raise ValueError(f"AugMix: `alpha` should be a positive number. Received: alpha={alpha!r}")
        self.alpha = alpha
        if not isinstance(all_ops, bool):
            raise ValueError(f"AugMix: `all_ops` should be True or False. Received: all_ops={all_ops!r}")
        self.all_ops = all_ops
        self.interpolation = interpolation
        names = _GEOMETRIC + _PIXEL + (_COLOR if all_ops else ())
        self._build_components(names, interpolation, dtype=self.dtype_policy)

    def get_random_transformation(self, images, key):
        k_g, k_ops, k_keys = jax.random.split(key, 3)
        shape = (self.num_chains, self.chain_depth)
        weights, blend = mixing_weights(k_g, self.alpha, self.num_chains)
        return {
            "chain_mixing_weights": weights,
            "weight_sample": blend,
            # index len(components) means "no operation" in that slot
            "chain_ops": jax.random.randint(k_ops, shape, 0, len(self._component_names) + 1),
            "keys": jax.random.split(k_keys, shape),
        }

    def transform_images(self, images, t):
        def op_step(x, op):
            index, key = op
            return jax.lax.switch(index, self._branches(x, key, identity=True), x), None

        def chain_step(mixed, chain):
            ops, keys, weight = chain
            out = jax.lax.scan(op_step, images, (ops, keys))[0]
            return mixed + weight * out, None

        # Nested scans: the operations are traced once however many chains and slots there are.
        weights = t["chain_mixing_weights"].astype(images.dtype)
        mixed = jax.lax.scan(chain_step, jnp.zeros_like(images), (t["chain_ops"], t["keys"], weights))[0]
        m = t["weight_sample"].astype(images.dtype)
        out = m * images + (1 - m) * mixed
        return jnp.clip(out, self.value_range[0], self.value_range[1])

    def get_config(self):
        return self._config(value_range=self.value_range, num_chains=self.num_chains,
                            chain_depth=self.chain_depth, factor=self.factor, alpha=self.alpha,
                            all_ops=self.all_ops, interpolation=self.interpolation, seed=self.seed)
