"""keras.StatelessScope and keras.remat (Keras 3's top-level names) and the other top-level aliases."""
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import fkeras as keras


def test_stateless_scope_reads_mapped_values_and_records_assigns():
    dense = keras.layers.Dense(2, bias_initializer="ones")
    dense.build((None, 3))
    kernel, bias = dense.kernel, dense.bias
    k0 = np.asarray(kernel.value).copy()
    x = np.arange(6, dtype="float32").reshape(2, 3)
    with keras.StatelessScope(state_mapping=[(kernel, np.full((3, 2), 0.5))]) as scope:
        y = dense(x)
        kernel.assign(np.ones((3, 2)))
    np.testing.assert_allclose(np.asarray(y), x @ np.full((3, 2), 0.5) + 1.0, rtol=1e-6)
    np.testing.assert_array_equal(np.asarray(scope.get_current_value(kernel)), np.ones((3, 2)))
    np.testing.assert_array_equal(np.asarray(kernel.value), k0)  # the variable kept its value
    assert scope.get_current_value(bias) is None  # neither mapped nor assigned
    # a metric's update inside the scope is recorded there, not on the metric
    m = keras.metrics.Mean()
    total = m.variables[0]
    with keras.StatelessScope() as scope:
        m.update_state(np.array([2.0, 4.0]))
    assert float(scope.get_current_value(total)) == 6.0 and float(m.result()) == 0.0


def test_stateless_scope_collects_losses_and_checks_its_mapping():
    layer = keras.layers.ActivityRegularization(l1=0.5)
    with keras.StatelessScope(collect_losses=True) as scope:
        layer(np.array([[1.0, -3.0]], "float32"))
    assert len(scope.losses) == 1 and float(scope.losses[0]) == pytest.approx(2.0)
    v = keras.Variable(np.zeros((2,)))
    with pytest.raises(ValueError, match=r"expected shape \(2,\), received shape \(3,\)"):
        keras.StatelessScope(state_mapping=[(v, np.zeros(3))])
    with pytest.raises(ValueError, match="must map `keras.Variable`"):
        keras.StatelessScope(state_mapping=[("w", np.zeros(2))])


def test_remat_recomputes_with_the_same_values_and_gradients():
    w = jnp.asarray(np.random.default_rng(0).normal(size=(4, 4)), jnp.float32)
    x = jnp.ones((2, 4))

    def block(x, w):
        return jnp.tanh(x @ w) @ w

    f = keras.remat(block)
    np.testing.assert_allclose(f(x, w), block(x, w), rtol=1e-6)
    g_plain = jax.grad(lambda w: jnp.sum(block(x, w)))(w)
    g_remat = jax.grad(lambda w: jnp.sum(f(x, w)))(w)
    np.testing.assert_allclose(g_remat, g_plain, rtol=1e-6)
    jaxpr = str(jax.make_jaxpr(lambda w: jax.grad(lambda w: jnp.sum(f(x, w)))(w))(w))
    assert "checkpoint" in jaxpr or "remat" in jaxpr  # the recompute is in the gradient program
    with pytest.raises(TypeError, match="callable"):
        keras.remat(3)


def test_top_level_base_classes_are_keras_names():
    assert keras.Loss is keras.losses.Loss and keras.Metric is keras.metrics.Metric
    assert keras.Optimizer is keras.optimizers.Optimizer and keras.Initializer is keras.initializers.Initializer
    assert keras.Regularizer is keras.regularizers.Regularizer and keras.Quantizer is keras.quantizers.Quantizer
    assert keras.FloatDTypePolicy is keras.dtype_policies.FloatDTypePolicy

    class Half(keras.Loss):
        def call(self, y_true, y_pred):
            return 0.5 * jnp.mean(jnp.square(y_true - y_pred), axis=-1)

    assert float(Half()(np.zeros((2, 3)), np.ones((2, 3)))) == pytest.approx(0.5)


def test_variable_takes_an_initializer_name_or_config():
    v = keras.Variable(initializer="zeros", shape=(2, 3), name="w")
    np.testing.assert_array_equal(v.numpy(), np.zeros((2, 3), "float32"))
    v = keras.Variable(initializer={"class_name": "Constant", "config": {"value": 2.0}}, shape=(2,), dtype="float16")
    assert v.dtype == "float16" and v.numpy().tolist() == [2.0, 2.0]
    with pytest.raises(ValueError, match="Did you mean 'Zeros'"):
        keras.Variable(initializer="zerros", shape=(2,))
