"""Variables behave as arrays in JAX calls (Keras 3's JAX contract): passed straight into jitted
functions, `jax.device_put`, `jnp` functions and tree utilities, as the Keras guides "Writing a
training loop from scratch in JAX" and "Distributed training with JAX" do."""
import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import NamedSharding, PartitionSpec

import fkeras as keras


def _model():
    keras.utils.set_random_seed(0)
    return keras.Sequential([keras.Input((4,)), keras.layers.Dense(8, activation="relu"),
                             keras.layers.BatchNormalization(), keras.layers.Dense(3)])


def test_variables_go_into_jnp_jit_device_put_and_tree_utilities():
    m = _model()
    kernel = m.trainable_variables[0]
    value = np.asarray(kernel.value)
    np.testing.assert_array_equal(jnp.add(kernel, 1.0), value + 1.0)
    np.testing.assert_array_equal(jax.jit(lambda a: a * 2)(kernel), value * 2)
    placed = jax.device_put(m.trainable_variables, NamedSharding(jax.sharding.Mesh(jax.devices()[:1], ("d",)),
                                                                PartitionSpec()))
    assert all(isinstance(a, jax.Array) for a in placed)
    np.testing.assert_array_equal(placed[0], value)
    assert jax.tree_util.tree_map(lambda a: a.shape, m.trainable_variables) == [v.shape for v in m.trainable_variables]
    # arithmetic and fkeras's own handling of Variables are unchanged
    np.testing.assert_array_equal(kernel * 3, value * 3)
    assert m.trainable_variables[0] is kernel and kernel.path.endswith("kernel")


def _guide_loop(m, steps, as_values):
    """The custom training loop of Keras's JAX guide; ``as_values``: the state built from `.value`
    arrays (the spelling that always worked) instead of the Variables themselves."""
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    optimizer = keras.optimizers.Adam(1e-2)
    optimizer.build(m.trainable_variables)

    def compute_loss_and_updates(trainable, non_trainable, x, y):
        y_pred, non_trainable = m.stateless_call(trainable, non_trainable, x, training=True)
        return loss_fn(y, y_pred), non_trainable

    grad_fn = jax.value_and_grad(compute_loss_and_updates, has_aux=True)

    @jax.jit
    def train_step(state, data):
        trainable, non_trainable, opt_vars = state
        (loss, non_trainable), grads = grad_fn(trainable, non_trainable, *data)
        trainable, opt_vars = optimizer.stateless_apply(opt_vars, grads, trainable)
        return loss, (trainable, non_trainable, opt_vars)

    pick = (lambda vs: [v.value for v in vs]) if as_values else (lambda vs: vs)
    state = (pick(m.trainable_variables), pick(m.non_trainable_variables), pick(optimizer.variables))
    r = np.random.default_rng(1)
    x = r.normal(size=(16, 4)).astype("float32")
    y = r.integers(0, 3, size=16).astype("int32")
    losses = []
    for _ in range(steps):
        loss, state = train_step(state, (x, y))
        losses.append(float(loss))
    trainable, non_trainable, _ = state
    for variable, value in zip(m.trainable_variables, trainable):
        variable.assign(value)
    for variable, value in zip(m.non_trainable_variables, non_trainable):
        variable.assign(value)
    return losses, [np.asarray(w) for w in m.get_weights()]


def test_the_jax_guide_training_loop_takes_the_variables_themselves():
    losses, weights = _guide_loop(_model(), 5, as_values=False)
    ref_losses, ref_weights = _guide_loop(_model(), 5, as_values=True)
    assert losses == ref_losses and losses[-1] < losses[0]
    for a, b in zip(weights, ref_weights):
        np.testing.assert_array_equal(a, b)
