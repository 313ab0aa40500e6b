"""``model.optimizer.variables`` after ``fit``: Keras 3's names and order, the values fit trained
(checked against a numpy Adam step), and writes that reach the next fit."""
import numpy as np
import pytest

import fkeras as keras

X = np.array([[1.0, 2.0], [0.5, -1.0], [-1.5, 0.25], [2.0, 0.0]], np.float32)
Y = np.array([[1.0], [0.0], [-1.0], [0.5]], np.float32)
W0 = np.array([[0.3], [-0.2]], np.float32)
B0 = np.array([0.1], np.float32)


def _model(lr=0.01):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="d")], name="net")
    model.set_weights([W0, B0])
    model.compile(keras.optimizers.Adam(lr), "mse")
    return model


def test_names_and_order_follow_keras():
    model = _model()
    # compiled but never trained: Keras has built no slots yet
    assert [v.name for v in model.optimizer.variables] == ["iteration", "learning_rate"]
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    names = [v.name for v in model.optimizer.variables]
    assert names == ["iteration", "learning_rate", "net_d_kernel_momentum", "net_d_kernel_velocity",
                     "net_d_bias_momentum", "net_d_bias_velocity"]
    assert model.optimizer.variables[2].path == "adam/net_d_kernel_momentum"
    assert [v.shape for v in model.optimizer.variables] == [(), (), (2, 1), (2, 1), (1,), (1,)]


def test_values_are_the_trained_state():
    model = _model()
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # numpy: one Adam step's moments from the MSE gradient at W0, B0
    err = X @ W0 + B0 - Y
    g_w = 2 * X.T @ err / len(X)
    g_b = 2 * err.sum(0) / len(X)
    v = {var.name: var.numpy() for var in model.optimizer.variables}
    assert int(v["iteration"]) == 1
    np.testing.assert_allclose(v["learning_rate"], 0.01, rtol=1e-6)
    np.testing.assert_allclose(v["net_d_kernel_momentum"], 0.1 * g_w, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(v["net_d_kernel_velocity"], 0.001 * g_w ** 2, rtol=1e-5, atol=1e-9)
    np.testing.assert_allclose(v["net_d_bias_momentum"], 0.1 * g_b, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(v["net_d_bias_velocity"], 0.001 * g_b ** 2, rtol=1e-5, atol=1e-9)


def test_assign_writes_the_state_the_next_fit_uses():
    a = _model()
    a.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    # zero the moments and set the learning rate: the next step is then Adam's second step from
    # zero moments with lr 0.05, computed in numpy below
    for var in a.optimizer.variables[2:]:
        var.assign(np.zeros(var.shape, np.float32))
    a.optimizer.variables[1].assign(0.05)
    assert a.optimizer.learning_rate == pytest.approx(0.05)
    np.testing.assert_array_equal(a.optimizer.variables[2].numpy(), np.zeros((2, 1)))
    w1, b1 = a.get_weights()
    a.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    err = X @ w1 + b1 - Y
    g_w = 2 * X.T @ err / len(X)
    m_hat = 0.1 * g_w / (1 - 0.9 ** 2)
    v_hat = 0.001 * g_w ** 2 / (1 - 0.999 ** 2)
    np.testing.assert_allclose(a.get_weights()[0], w1 - 0.05 * m_hat / (np.sqrt(v_hat) + 1e-7), rtol=1e-5)
    assert int(a.optimizer.variables[0].numpy()) == 2
    with pytest.raises(ValueError, match="shape"):
        a.optimizer.variables[2].assign(np.zeros((3,), np.float32))


def test_learning_rate_and_iterations_answer_the_variable_api():
    """tf.keras / Keras 3 code treats these as variables: K.set_value, .assign, .numpy()."""
    import copy
    import pickle

    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1, name="d")], name="net")
    model.set_weights([W0, B0])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    opt = model.optimizer
    assert opt.iterations.numpy() == 1 and opt.iterations.numpy().dtype == np.int32
    assert opt.learning_rate.numpy().dtype == np.float32 and opt.learning_rate == pytest.approx(0.1)
    keras.backend.set_value(opt.learning_rate, 0.05)  # the tf.keras idiom
    assert keras.backend.get_value(opt.lr) == pytest.approx(0.05)
    w1, b1 = model.get_weights()
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    g_w = 2 * X.T @ (X @ w1 + b1 - Y) / len(X)
    np.testing.assert_allclose(model.get_weights()[0], w1 - 0.05 * g_w, rtol=1e-5)
    opt.learning_rate.assign(0.2)  # the Keras 3 idiom
    assert opt.learning_rate == pytest.approx(0.2) and opt.iterations == 2
    opt.iterations.assign(10)
    assert int(opt.iterations) == 10
    # copies and pickles are plain numbers (nothing holds on to the optimizer)
    assert type(pickle.loads(pickle.dumps(opt.learning_rate))) is float
    assert type(copy.deepcopy(opt.iterations)) is int
