"""SwapEMAWeights: the optimizer's moving average of the weights (numpy reference of SGD + EMA) is in
the model during evaluation / prediction and, with ``swap_on_epoch``, for the callbacks after it."""
import numpy as np
import pytest

import fkeras as keras

X = np.random.default_rng(0).normal(size=(8, 3)).astype("float32")
Y = np.random.default_rng(1).normal(size=(8, 1)).astype("float32")
W0 = np.array([[0.5], [-0.3], [0.2]], np.float32)
B0 = np.array([0.1], np.float32)
LR, MOMENTUM = 0.1, 0.5


def _model(optimizer=None):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, name="d")], name="net")
    model.set_weights([W0, B0])
    model.compile(optimizer or keras.optimizers.SGD(LR, use_ema=True, ema_momentum=MOMENTUM), "mse")
    return model


def _reference(steps):
    """numpy SGD on the MSE over batches of 4 (no shuffling) and Keras's EMA of the weights:
    ``avg = w`` after the first step, then ``avg = m * avg + (1 - m) * w``."""
    w, b = W0.astype(np.float64), B0.astype(np.float64)
    trained, averages, avg = [], [], None
    for t in range(steps):
        xb, yb = X[4 * (t % 2):4 * (t % 2) + 4], Y[4 * (t % 2):4 * (t % 2) + 4]
        err = xb @ w + b - yb
        w, b = w - LR * 2 * xb.T @ err / 4, b - LR * 2 * err.sum(0) / 4
        avg = [w, b] if avg is None else [MOMENTUM * a + (1 - MOMENTUM) * n for a, n in zip(avg, [w, b])]
        trained.append([w, b])
        averages.append(avg)
    return trained, averages


class _Probe(keras.callbacks.Callback):
    def __init__(self):
        super().__init__()
        self.seen = {}

    def _record(self, key):
        self.seen[key] = [np.array(w) for w in self.model.get_weights()]

    def on_test_batch_begin(self, batch, logs=None):
        self._record("test")

    def on_predict_batch_begin(self, batch, logs=None):
        self._record("predict")

    def on_epoch_end(self, epoch, logs=None):
        self._record(f"epoch{epoch}")


def _close(got, expected):
    for a, b in zip(got, expected):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def _two_steps(model):
    """The two SGD steps of ``_reference(2)``, by train_on_batch (which, as in Keras, leaves the
    trained weights in the model; fit ends by writing the averages in)."""
    model.train_on_batch(X[:4], Y[:4])
    model.train_on_batch(X[4:], Y[4:])


def test_evaluate_and_predict_see_the_average_then_the_trained_weights_return():
    model = _model()
    _two_steps(model)
    trained, averages = _reference(2)
    _close(model.get_weights(), trained[-1])
    probe = _Probe()
    swap = keras.callbacks.SwapEMAWeights()
    model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[swap, probe])
    model.predict(X, batch_size=8, verbose=0, callbacks=[swap, probe])
    _close(probe.seen["test"], averages[-1])
    _close(probe.seen["predict"], averages[-1])
    _close(model.get_weights(), trained[-1])  # swapped back
    # the optimizer's average is intact: a later swap sees it again
    model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[swap, probe])
    _close(probe.seen["test"], averages[-1])
    _close(model.get_weights(), trained[-1])


def test_evaluate_reports_the_loss_of_the_average():
    model = _model()
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    w, b = _reference(2)[1][-1]
    loss = model.evaluate(X, Y, batch_size=8, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    assert loss == pytest.approx(float(np.mean((X @ w + b - Y) ** 2)), rel=1e-5)


def test_swap_on_epoch_shows_the_average_to_later_callbacks_and_keeps_it_after_the_last_epoch():
    model = _model()
    probe = _Probe()
    model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0,
              callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True), probe])
    trained, averages = _reference(4)
    _close(probe.seen["epoch0"], averages[1])  # after 2 steps
    _close(probe.seen["epoch1"], averages[3])  # training went on from the trained weights
    _close(model.get_weights(), averages[3])  # the averaged weights stay in the model
    from fkeras.optimizers.base import EMAState, _find_state

    average = _find_state(model._opt_state, EMAState).average
    _close([average["d"]["kernel"], average["d"]["bias"]], averages[3])  # and the average continues from them


def test_requires_an_optimizer_with_use_ema():
    model = _model(keras.optimizers.SGD(LR))
    model.fit(X, Y, batch_size=4, epochs=1, verbose=0)
    with pytest.raises(ValueError, match="use_ema=True"):
        model.evaluate(X, Y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    multi = keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(keras.optimizers.SGD(LR)))
    model = _model(multi)
    with pytest.raises(ValueError, match="at least one inner optimizer"):
        model.evaluate(X, Y, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights()])
    with pytest.raises(TypeError, match="swap_on_epoch"):
        keras.callbacks.SwapEMAWeights(swap_on_epoch="yes")


def test_multi_optimizer_swaps_only_the_averaged_variables():
    sgd_ema = keras.optimizers.SGD(LR, use_ema=True, ema_momentum=MOMENTUM)
    multi = keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(
        keras.optimizers.SGD(LR), {"net/d/kernel": sgd_ema}))
    model = _model(multi)
    _two_steps(model)
    trained, averages = _reference(2)
    probe = _Probe()
    model.predict(X, batch_size=8, verbose=0, callbacks=[keras.callbacks.SwapEMAWeights(), probe])
    _close(probe.seen["predict"], [averages[-1][0], trained[-1][1]])  # kernel averaged, bias as trained
    _close(model.get_weights(), trained[-1])


def test_fit_with_use_ema_ends_with_the_averaged_weights():
    """As Keras's fit does (optimizer.finalize_variable_values after the last epoch)."""
    model = _model()
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    trained, averages = _reference(2)
    _close(model.get_weights(), averages[-1])
    multi = keras.optimizers.MultiOptimizer(keras.optimizers.OptimizerMap(
        keras.optimizers.SGD(LR), {"net/d/kernel": keras.optimizers.SGD(LR, use_ema=True, ema_momentum=MOMENTUM)}))
    model = _model(multi)
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    _close(model.get_weights(), [averages[-1][0], trained[-1][1]])  # only the averaged variable
