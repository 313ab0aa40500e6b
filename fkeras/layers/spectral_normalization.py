"""``SpectralNormalization``: divide a wrapped layer's kernel by its largest singular value
(Miyato et al., 2018), estimated by power iteration.

Keras 3's semantics, which this wrapper keeps:

- the power-iteration vector ``vector_u`` ``(1, kernel.shape[-1])`` is a non-trainable weight of
  the wrapper, updated in training only;
- in training the wrapped layer runs with ``kernel / sigma`` (``sigma`` from the updated ``u``;
  ``u`` and ``v`` carry no gradient, the kernel inside ``sigma`` does), and that normalized kernel
  is *assigned* to the layer's kernel. In an eager call the assignment sticks; inside a pure
  ``apply`` it comes back in the returned tree; a jitted ``fit`` step keeps only non-trainable
  updates, as Keras's JAX trainer does, so there the kernel changes only through its gradient;
- in inference the wrapped layer runs unchanged;
- an all-zero kernel is left as it is.

``weights`` are ``[kernel, vector_u, <the other weights of the layer>]`` and the wrapper's own saved
variables are ``[kernel, vector_u]``, as in Keras (which tracks the kernel on the wrapper too), so
weight lists and ``.weights.h5`` files line up with Keras's.
"""
from __future__ import annotations

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.engine.layer import InputSpec, Layer
from fkeras.engine.variables import Variable
from fkeras.initializers import random_initializers as initializers
from fkeras.layers.wrappers import Wrapper
from fkeras.ops.nn import normalize

__all__ = ["SpectralNormalization"]


class SpectralNormalization(Wrapper):
    """Spectral normalization of the ``kernel`` (or ``embeddings``) of a wrapped layer.

    Constrains the layer's Lipschitz constant, which stabilizes GAN discriminators.

    Args:
        layer: A layer with a ``kernel`` (``Dense``, ``Conv2D``...) or ``embeddings``
            (``Embedding``) weight.
        power_iterations: Positive int, power-iteration steps per training call (default 1).
        **kwargs: Base wrapper arguments (``name``, ``dtype``...).

    Returns:
        The wrapped layer's output, cast to the input dtype when the input is floating.

    Example:
        sn = keras.layers.SpectralNormalization(keras.layers.Dense(8))
        y = sn(np.ones((4, 16), "float32"), training=True)   # (4, 8); kernel now has norm ~1
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if (isinstance(power_iterations, (bool, np.bool_)) or not isinstance(power_iterations, (int, np.integer))
                or power_iterations <= 0):
            raise ValueError("`power_iterations` should be greater than zero (a positive integer). Received: "
                             f"`power_iterations={power_iterations!r}`")
        self.power_iterations = int(power_iterations)

    def _kernel_variable(self):
        for name in ("kernel", "embeddings"):
            var = self.layer.__dict__.get("_var_attrs", {}).get(name)
            if isinstance(var, Variable):
                return var
        raise ValueError(f"{type(self.layer).__name__} object has no attribute 'kernel' nor 'embeddings'")

    def build(self, input_shape):
        super().build(input_shape)
        input_shape = tuple(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        kernel = self._kernel_variable()
        self.kernel = kernel
        self.kernel_shape = tuple(kernel.shape)
        self.vector_u = self.add_weight(shape=(1, self.kernel_shape[-1]),
                                        initializer=initializers.TruncatedNormal(stddev=0.02), trainable=False,
                                        name="vector_u", dtype=kernel.dtype)
        self.built = True

    # --- weights: Keras's order, the kernel first ------------------------------------------------
    @property
    def weights(self):
        out = Layer.weights.fget(self)
        kernel = self.__dict__.get("_var_attrs", {}).get("kernel")
        if kernel is None:
            return out
        return [kernel] + [v for v in out if v is not kernel]

    variables = weights

    def _saved_variables(self):
        attrs = self.__dict__.get("_var_attrs", {})
        return [attrs[n] for n in ("kernel", "vector_u") if n in attrs]

    # --- computation ---------------------------------------------------------------------------
    def normalized_weights(self, kernel=None, vector_u=None):
        """``(new_u, kernel / sigma)``: power iteration from ``vector_u`` on the 2-D view of ``kernel``.

        Args:
            kernel: The kernel array (default: the layer's current kernel).
            vector_u: The ``(1, out)`` iteration vector (default: the current ``vector_u``).

        Returns:
            The updated ``u`` (no gradient) and the normalized kernel, in the variables' dtypes.
        """
        kernel_var, u_var = self._var_attrs["kernel"], self._var_attrs["vector_u"]
        kernel = kernel_var.value if kernel is None else kernel
        u = u_var.value if vector_u is None else vector_u
        w = jnp.reshape(kernel, (-1, self.kernel_shape[-1]))
        v = None
        for _ in range(self.power_iterations):
            v = normalize(jnp.matmul(u, w.T), axis=None)
            u = normalize(jnp.matmul(v, w), axis=None)
        u = jax.lax.stop_gradient(u)
        v = jax.lax.stop_gradient(v)
        sigma = jnp.matmul(jnp.matmul(v, w), u.T)
        new_kernel = jnp.reshape(kernel / sigma, self.kernel_shape)
        return u.astype(u_var.dtype), new_kernel.astype(kernel_var.dtype)

    def call(self, inputs, training=False):
        if training:
            kernel_var, u_var = self._var_attrs["kernel"], self._var_attrs["vector_u"]
            kernel, u = kernel_var.value, u_var.value
            new_u, new_kernel = jax.lax.cond(
                jnp.all(kernel == 0),
                lambda k, uu: (uu.astype(u_var.dtype), k.astype(kernel_var.dtype)),
                lambda k, uu: self.normalized_weights(k, uu),
                kernel, u)
            u_var.assign(new_u)
            kernel_var.assign(new_kernel)
        output = self.layer(inputs)
        in_dtype = jnp.asarray(inputs).dtype
        if jnp.issubdtype(in_dtype, jnp.floating):
            output = output.astype(in_dtype)  # Keras casts to the input dtype; ids into Embedding keep floats
        return output

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        config = super().get_config()
        config["power_iterations"] = self.power_iterations
        return config
