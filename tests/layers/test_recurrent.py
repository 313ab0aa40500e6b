"""Recurrent layers (SimpleRNN, LSTM, GRU, RNN, Bidirectional, TimeDistributed) vs numpy step loops."""
import os
import warnings

import jax
import numpy as np
import pytest

from fkeras.engine.layer import Layer
from fkeras.layers import recurrent as rnn, wrappers
from fkeras.layers.core import Dense
from fkeras.layers.embedding import Embedding
from fkeras.layers.input_layer import Input
from fkeras.layers.masking import Masking

RNG = np.random.default_rng(0)
B, T, D, U = 2, 5, 3, 4
X = RNG.standard_normal((B, T, D)).astype("float32")
# Zero initializers: the tests overwrite weights and do not need to compile random initializers.
Z = {"kernel_initializer": "zeros", "recurrent_initializer": "zeros"}


# --- numpy references ------------------------------------------------------------------------

def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


def simple_step(w):
    k, rk, b = w

    def step(x, states):
        h = np.tanh(x @ k + states[0] @ rk + b)
        return h, [h]
    return step


def lstm_step(w):
    k, rk, b = w
    u = rk.shape[0]

    def step(x, states):
        h, c = states
        z = x @ k + h @ rk + b
        i, f, g, o = (z[:, j * u:(j + 1) * u] for j in range(4))
        c = sigmoid(f) * c + sigmoid(i) * np.tanh(g)
        h = sigmoid(o) * np.tanh(c)
        return h, [h, c]
    return step


def gru_step(w, reset_after):
    k, rk, b = w
    u = rk.shape[0]
    bi, br = (b[0], b[1]) if reset_after else (b, np.zeros_like(b))

    def step(x, states):
        h = states[0]
        xz, xr, xh = (x @ k[:, j * u:(j + 1) * u] + bi[j * u:(j + 1) * u] for j in range(3))
        rz = h @ rk[:, :u] + br[:u]
        rr = h @ rk[:, u:2 * u] + br[u:2 * u]
        z, r = sigmoid(xz + rz), sigmoid(xr + rr)
        if reset_after:
            hh = np.tanh(xh + r * (h @ rk[:, 2 * u:] + br[2 * u:]))
        else:
            hh = np.tanh(xh + (r * h) @ rk[:, 2 * u:])
        h = z * h + (1 - z) * hh
        return h, [h]
    return step


def run_ref(step, x, states, mask=None, go_backwards=False, zero_output_for_mask=False):
    """Keras's loop: outputs in processing order; masked steps keep states and repeat the output."""
    x = np.asarray(x, np.float64)
    states = [np.asarray(s, np.float64) for s in states]
    order = range(x.shape[1])[::-1] if go_backwards else range(x.shape[1])
    outs = []
    for t in order:
        out, new = step(x[:, t], states)
        if mask is not None:
            m = mask[:, t][:, None].astype(bool)
            prev = np.zeros_like(out) if zero_output_for_mask else states[0]
            out = np.where(m, out, prev)
            new = [np.where(m, n, s) for n, s in zip(new, states)]
        outs.append(out)
        states = new
    return np.stack(outs, 1), outs[-1], states


# --- helpers --------------------------------------------------------------------------------

KINDS = {
    "simple": (lambda **kw: rnn.SimpleRNN(U, **Z, **kw), simple_step, 1, 1),
    "lstm": (lambda **kw: rnn.LSTM(U, **Z, **kw), lstm_step, 4, 2),
    "gru_after": (lambda **kw: rnn.GRU(U, **Z, **kw), lambda w: gru_step(w, True), 3, 1),
    "gru_before": (lambda **kw: rnn.GRU(U, reset_after=False, **Z, **kw), lambda w: gru_step(w, False), 3, 1),
}


def _randomize(layer, scale=0.5):
    ws = [(RNG.standard_normal(w.shape) * scale).astype("float32") for w in layer.weights]
    layer.set_weights(ws)
    return [w.astype(np.float64) for w in ws]


def _both(layer, *args, **kwargs):
    """Eager output and pure-apply output under jax.jit."""
    eager = layer(*args, **kwargs)
    jitted = jax.jit(lambda v, a: layer.apply(v, *a, **kwargs)[0])(layer.get_variables(), args)
    return eager, jitted


def _close(a, b, tol=1e-5):
    np.testing.assert_allclose(np.asarray(a, np.float64), np.asarray(b, np.float64), rtol=tol, atol=tol)


# --- SimpleRNN / LSTM / GRU vs numpy --------------------------------------------------------

@pytest.mark.parametrize("kind", list(KINDS))
@pytest.mark.parametrize("go_backwards", [False, True])
def test_layer_matches_numpy(kind, go_backwards):
    make, step, _, n_states = KINDS[kind]
    layer = make(return_sequences=True, return_state=True, go_backwards=go_backwards)
    layer.build(X.shape)
    w = _randomize(layer)
    seq, last, states = run_ref(step(w), X, [np.zeros((B, U))] * n_states, go_backwards=go_backwards)
    for out in _both(layer, X):
        assert len(out) == 1 + n_states
        _close(out[0], seq)
        for got, ref in zip(out[1:], states):
            _close(got, ref)
    assert seq.shape == (B, T, U)
    # return_sequences=False returns the last output only.
    last_layer = make(go_backwards=go_backwards)
    last_layer.build(X.shape)
    last_layer.set_weights(layer.get_weights())
    for out in _both(last_layer, X):
        assert out.shape == (B, U)
        _close(out, last)


def test_output_shapes_concrete_and_symbolic():
    layer = rnn.LSTM(U, return_sequences=True, return_state=True, **Z)
    assert layer.compute_output_shape((B, T, D)) == ((B, T, U), (B, U), (B, U))
    sym = layer(Input(shape=(None, D)))
    assert [s.shape for s in sym] == [(None, None, U), (None, U), (None, U)]
    gru = rnn.GRU(U, **Z)
    assert gru(Input(shape=(T, D))).shape == (None, U)
    assert gru.compute_output_shape((7, T, D)) == (7, U)


def test_unroll_matches_scan():
    a = rnn.GRU(U, return_sequences=True, **Z)
    a.build(X.shape)
    _randomize(a)
    b = rnn.GRU(U, return_sequences=True, unroll=True, **Z)
    b.build(X.shape)
    b.set_weights(a.get_weights())
    _close(a(X), b(X))
    assert b.get_config()["unroll"] is True


def test_no_bias_and_custom_activations():
    layer = rnn.LSTM(U, use_bias=False, activation="relu", recurrent_activation="hard_sigmoid", **Z)
    layer.build(X.shape)
    assert [w.name for w in layer.weights] == ["kernel", "recurrent_kernel"]
    k, rk = _randomize(layer)
    u = U

    def hard_sigmoid(x):
        return np.clip(x / 6.0 + 0.5, 0.0, 1.0)

    def step(x, states):
        h, c = states
        z = x @ k + h @ rk
        i, f, g, o = (z[:, j * u:(j + 1) * u] for j in range(4))
        c = hard_sigmoid(f) * c + hard_sigmoid(i) * np.maximum(g, 0)
        h = hard_sigmoid(o) * np.maximum(c, 0)
        return h, [h, c]

    _, last, _ = run_ref(step, X, [np.zeros((B, U))] * 2)
    _close(layer(X), last)


def test_lstm_unit_forget_bias_initialization():
    layer = rnn.LSTM(3, **Z)
    layer.build((1, 2, 2))
    b = np.asarray(layer.cell.bias.value)
    np.testing.assert_array_equal(b, np.r_[np.zeros(3), np.ones(3), np.zeros(6)])
    layer = rnn.LSTM(3, unit_forget_bias=False, **Z)
    layer.build((1, 2, 2))
    np.testing.assert_array_equal(np.asarray(layer.cell.bias.value), np.zeros(12))
    # The pure init path draws the same layout.
    tree = rnn.LSTM(3, **Z).init(jax.random.PRNGKey(0), np.zeros((1, 2, 2), "float32"))
    np.testing.assert_array_equal(np.asarray(tree["lstm_cell"]["bias"]), np.r_[np.zeros(3), np.ones(3), np.zeros(6)])


# --- masking --------------------------------------------------------------------------------

TOKENS = np.array([[3, 1, 4, 0, 0], [0, 0, 2, 5, 1]], dtype="int32")


@pytest.mark.parametrize("go_backwards", [False, True])
def test_mask_from_embedding_in_sequential(go_backwards):
    from fkeras.models.sequential import Sequential

    emb = Embedding(6, D, mask_zero=True)
    lstm = rnn.LSTM(U, return_sequences=True, go_backwards=go_backwards, **Z)
    model = Sequential([Input(shape=(T,), dtype="int32"), emb, lstm])
    table = RNG.standard_normal((6, D)).astype("float32")
    emb.set_weights([table])
    w = _randomize(lstm)
    mask = TOKENS != 0
    seq, _, _ = run_ref(lstm_step(w), table[TOKENS], [np.zeros((B, U))] * 2, mask=mask,
                        go_backwards=go_backwards)
    _close(model(TOKENS), seq)
    _close(jax.jit(lambda v, a: model.apply(v, a)[0])(model.get_variables(), TOKENS), seq)
    # Masked steps repeat the previous output (zeros before the first valid step).
    if not go_backwards:
        np.testing.assert_array_equal(np.asarray(model(TOKENS))[1, :2], 0.0)


def test_masking_layer_feeds_gru():
    from fkeras.models.sequential import Sequential

    x = X.copy()
    x[0, 2] = 0.0
    x[1, 4] = 0.0
    gru = rnn.GRU(U, **Z)
    model = Sequential([Input(shape=(T, D)), Masking(0.0), gru])
    w = _randomize(gru)
    mask = np.any(x != 0, axis=-1)
    _, last, _ = run_ref(gru_step(w, True), x, [np.zeros((B, U))], mask=mask)
    _close(model(x), last)


def test_explicit_mask_and_zero_output_for_mask():
    layer = rnn.SimpleRNN(U, return_sequences=True, **Z)
    layer.build(X.shape)
    w = _randomize(layer)
    mask = np.array([[1, 1, 0, 1, 0], [0, 1, 1, 1, 1]], bool)
    seq, _, _ = run_ref(simple_step(w), X, [np.zeros((B, U))], mask=mask)
    for out in _both(layer, X, mask=mask):
        _close(out, seq)
    zl = rnn.RNN(rnn.SimpleRNNCell(U, **Z), return_sequences=True, zero_output_for_mask=True)
    zl.build(X.shape)
    zl.set_weights(layer.get_weights())
    seq0, _, _ = run_ref(simple_step(w), X, [np.zeros((B, U))], mask=mask, zero_output_for_mask=True)
    _close(zl(X, mask=mask), seq0)
    assert layer.compute_mask(X, mask) is mask
    assert rnn.SimpleRNN(U).compute_mask(X, mask) is None


def test_functional_mask_propagation():
    from fkeras.models.model import Model

    inp = Input(shape=(T,), dtype="int32")
    emb = Embedding(6, D, mask_zero=True)
    h = rnn.GRU(U, return_sequences=True, **Z)
    out = rnn.SimpleRNN(U, **Z)(h(emb(inp)))
    model = Model(inp, out)
    table = RNG.standard_normal((6, D)).astype("float32")
    emb.set_weights([table])
    wg = _randomize(h)
    ws = _randomize(model.layers[-1])
    mask = TOKENS != 0
    seq, _, _ = run_ref(gru_step(wg, True), table[TOKENS], [np.zeros((B, U))], mask=mask)
    _, last, _ = run_ref(simple_step(ws), seq, [np.zeros((B, U))], mask=mask)
    _close(model(TOKENS), last)


# --- initial_state / stateful -------------------------------------------------------------------

def test_initial_state():
    layer = rnn.LSTM(U, return_state=True, **Z)
    layer.build(X.shape)
    w = _randomize(layer)
    h0 = RNG.standard_normal((B, U)).astype("float32")
    c0 = RNG.standard_normal((B, U)).astype("float32")
    _, last, states = run_ref(lstm_step(w), X, [h0, c0])
    for out in _both(layer, X, initial_state=[h0, c0]):
        _close(out[0], last)
        _close(out[2], states[1])
    with pytest.raises(ValueError, match="expects 2 initial state"):
        layer(X, initial_state=[h0])


def test_initial_state_symbolic():
    from fkeras.models.model import Model

    x_in, h_in = Input(shape=(T, D)), Input(shape=(U,))
    gru = rnn.GRU(U, **Z)
    model = Model([x_in, h_in], gru(x_in, initial_state=h_in))
    w = _randomize(gru)
    h0 = RNG.standard_normal((B, U)).astype("float32")
    _, last, _ = run_ref(gru_step(w, True), X, [h0])
    _close(model([X, h0]), last)


def test_stateful_two_calls_and_reset():
    layer = rnn.LSTM(U, stateful=True, return_sequences=True, **Z)
    layer.build(X.shape)
    w = _randomize(layer)
    assert len(layer.weights) == 3 and len(layer.states) == 2
    seq_all, _, _ = run_ref(lstm_step(w), np.concatenate([X, X], 1), [np.zeros((B, U))] * 2)
    _close(layer(X), seq_all[:, :T])
    _close(layer(X), seq_all[:, T:])
    layer.reset_states()
    np.testing.assert_array_equal(np.asarray(layer.states[0].value), 0.0)
    np.testing.assert_array_equal(np.asarray(layer.states[1].value), 0.0)
    # Pure path: the state is part of the variable tree and comes back updated.
    variables = layer.get_variables()
    f = jax.jit(lambda v, a: layer.apply(v, a))
    y1, variables = f(variables, X)
    y2, variables = f(variables, X)
    _close(y1, seq_all[:, :T])
    _close(y2, seq_all[:, T:])
    np.testing.assert_array_equal(np.asarray(layer.states[0].value), 0.0)  # apply is pure
    with pytest.raises(ValueError, match="batch size must be static"):
        rnn.GRU(U, stateful=True)(Input(shape=(T, D)))


def test_stateful_in_fit_carries_state_across_batches():
    from fkeras.models.model import Model

    inp = Input(batch_shape=(B, T, D))
    layer = rnn.SimpleRNN(U, stateful=True, **Z)
    model = Model(inp, Dense(1)(layer(inp)))
    model.compile(optimizer="sgd", loss="mse")
    w = _randomize(layer)
    x2 = np.concatenate([X, X[::-1]], 0)
    # The second batch's forward pass starts from the first batch's final state; a zero learning
    # rate keeps the weights fixed so the numpy reference applies to both batches.
    model.optimizer.learning_rate = 0.0
    model.fit(x2, np.ones((2 * B, 1), "float32"), batch_size=B, epochs=1, shuffle=False, verbose=0)
    _, _, st = run_ref(simple_step(w), np.concatenate([X, X[::-1]], 1), [np.zeros((B, U))])
    _close(layer.states[0].value, st[0])
    layer.reset_states()
    assert np.abs(np.asarray(layer.states[0].value)).sum() == 0
    with pytest.raises(ValueError, match="stateful with batch size 2"):
        layer(np.ones((3, T, D), "float32"))


# --- dropout --------------------------------------------------------------------------------------

def test_dropout_mask_drawn_once_per_sequence():
    rate = 0.5
    cell = rnn.SimpleRNNCell(6, activation=None, dropout=rate, kernel_initializer="identity",
                             recurrent_initializer="zeros")
    layer = rnn.RNN(cell, return_sequences=True)
    x = np.ones((3, 7, 6), "float32")
    y = np.asarray(layer(x, training=True))
    # Linear cell with identity kernel and zero recurrence: output_t = x_t * dropout_mask.
    np.testing.assert_allclose(y, np.broadcast_to(y[:, :1], y.shape))
    assert set(np.unique(np.round(y, 5))) <= {0.0, 2.0}
    assert 0 < (y == 0).mean() < 1
    np.testing.assert_allclose(layer(x, training=False), x)
    y2 = np.asarray(jax.jit(lambda v, a, k: layer.apply(v, a, training=True, rng=k)[0])(
        layer.get_variables(), x, jax.random.PRNGKey(3)))
    np.testing.assert_allclose(y2, np.broadcast_to(y2[:, :1], y2.shape))


@pytest.mark.parametrize("cls", [rnn.LSTM, rnn.GRU])
def test_recurrent_dropout_changes_training_output_only(cls):
    layer = cls(U, dropout=0.3, recurrent_dropout=0.3, **Z)
    layer.build(X.shape)
    _randomize(layer)
    ref = cls(U, **Z)
    ref.build(X.shape)
    ref.set_weights(layer.get_weights())
    expected = np.asarray(ref(X))
    _close(layer(X), expected)
    assert not np.allclose(layer(X, training=True), expected)
    assert cls(U, recurrent_dropout=0.3).cell.implementation == 1


# --- custom and stacked cells -------------------------------------------------------------------

class MinimalRNNCell(Layer):
    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units), initializer="zeros", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units), initializer="zeros",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return h, [h]


def test_user_cell_and_stacked_cells():
    layer = rnn.RNN(MinimalRNNCell(U), return_sequences=True)
    layer.build(X.shape)
    k, rk = _randomize(layer)

    def step(x, states):
        h = x @ k + states[0] @ rk
        return h, [h]

    seq, _, _ = run_ref(step, X, [np.zeros((B, U))])
    for out in _both(layer, X):
        _close(out, seq)

    stacked = rnn.RNN([rnn.LSTMCell(U, **Z), rnn.GRUCell(3, **Z)], return_state=True)
    assert isinstance(stacked.cell, rnn.StackedRNNCells)
    stacked.build(X.shape)
    w = _randomize(stacked)
    seq1, _, st1 = run_ref(lstm_step(w[:3]), X, [np.zeros((B, U))] * 2)
    _, last2, st2 = run_ref(gru_step(w[3:], True), seq1, [np.zeros((B, 3))])
    out = stacked(X)
    _close(out[0], last2)
    _close(out[1][0], st1[0])
    _close(out[2][0], st2[0])
    assert [w.path for w in stacked.weights] == [
        "rnn_1/stacked_rnn_cells/lstm_cell/kernel", "rnn_1/stacked_rnn_cells/lstm_cell/recurrent_kernel",
        "rnn_1/stacked_rnn_cells/lstm_cell/bias", "rnn_1/stacked_rnn_cells/gru_cell/kernel",
        "rnn_1/stacked_rnn_cells/gru_cell/recurrent_kernel", "rnn_1/stacked_rnn_cells/gru_cell/bias"]


def test_cell_called_standalone():
    cell = rnn.LSTMCell(U, **Z)
    cell.build((B, D))
    w = _randomize(cell)
    h0, c0 = np.zeros((B, U), "float32"), np.ones((B, U), "float32")
    out, (h, c) = cell(X[:, 0], [h0, c0])
    ref_out, (rh, rc) = lstm_step(w)(X[:, 0].astype(np.float64), [h0, c0])
    _close(out, ref_out)
    _close(c, rc)


# --- Bidirectional ------------------------------------------------------------------------------

@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_merge_modes(merge_mode):
    layer = wrappers.Bidirectional(rnn.GRU(U, return_sequences=True, **Z), merge_mode=merge_mode)
    layer.build(X.shape)
    w = _randomize(layer)
    fwd, _, _ = run_ref(gru_step(w[:3], True), X, [np.zeros((B, U))])
    bwd, _, _ = run_ref(gru_step(w[3:], True), X, [np.zeros((B, U))], go_backwards=True)
    bwd = bwd[:, ::-1]
    expected = {"concat": np.concatenate([fwd, bwd], -1), "sum": fwd + bwd, "mul": fwd * bwd,
                "ave": (fwd + bwd) / 2, None: None}[merge_mode]
    for out in _both(layer, X):
        if merge_mode is None:
            _close(out[0], fwd)
            _close(out[1], bwd)
        else:
            _close(out, expected)


def test_bidirectional_states_names_and_config():
    layer = wrappers.Bidirectional(rnn.LSTM(U, return_state=True, **Z))
    layer.build(X.shape)
    w = _randomize(layer)
    _, fl, fs = run_ref(lstm_step(w[:3]), X, [np.zeros((B, U))] * 2)
    _, bl, bs = run_ref(lstm_step(w[3:]), X, [np.zeros((B, U))] * 2, go_backwards=True)
    out = layer(X)
    assert len(out) == 5
    _close(out[0], np.concatenate([fl, bl], -1))
    for got, ref in zip(out[1:], fs + bs):
        _close(got, ref)
    assert [x.path for x in layer.weights] == [
        "bidirectional/forward_lstm/lstm_cell/kernel", "bidirectional/forward_lstm/lstm_cell/recurrent_kernel",
        "bidirectional/forward_lstm/lstm_cell/bias", "bidirectional/backward_lstm/lstm_cell/kernel",
        "bidirectional/backward_lstm/lstm_cell/recurrent_kernel", "bidirectional/backward_lstm/lstm_cell/bias"]
    cfg = layer.get_config()
    assert {"merge_mode", "layer", "backward_layer"} <= set(cfg)
    assert cfg["backward_layer"]["config"]["go_backwards"] is True
    clone = wrappers.Bidirectional.from_config(cfg)
    clone.build(X.shape)
    clone.set_weights(layer.get_weights())
    for a, b in zip(clone(X), out):
        _close(a, b)
    sym = wrappers.Bidirectional(rnn.LSTM(U, return_sequences=True))(Input(shape=(T, D)))
    assert sym.shape == (None, T, 2 * U)
    with pytest.raises(ValueError, match="merge mode"):
        wrappers.Bidirectional(rnn.LSTM(U), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards"):
        wrappers.Bidirectional(rnn.LSTM(U), backward_layer=rnn.LSTM(U))


def test_bidirectional_with_mask():
    from fkeras.models.sequential import Sequential

    emb = Embedding(6, D, mask_zero=True)
    bi = wrappers.Bidirectional(rnn.SimpleRNN(U, return_sequences=True, **Z), merge_mode="sum")
    model = Sequential([Input(shape=(T,), dtype="int32"), emb, bi])
    table = RNG.standard_normal((6, D)).astype("float32")
    emb.set_weights([table])
    w = _randomize(bi)
    mask = TOKENS != 0
    # Bidirectional forces zero_output_for_mask when returning sequences (Keras).
    fwd, _, _ = run_ref(simple_step(w[:3]), table[TOKENS], [np.zeros((B, U))], mask=mask,
                        zero_output_for_mask=True)
    bwd, _, _ = run_ref(simple_step(w[3:]), table[TOKENS], [np.zeros((B, U))], mask=mask, go_backwards=True,
                        zero_output_for_mask=True)
    _close(model(TOKENS), fwd + bwd[:, ::-1])


# --- TimeDistributed --------------------------------------------------------------------------

def test_time_distributed_dense():
    layer = wrappers.TimeDistributed(Dense(3, activation="relu", kernel_initializer="zeros"))
    layer.build(X.shape)
    k, b = _randomize(layer)
    ref = np.maximum(X.astype(np.float64) @ k + b, 0)
    for out in _both(layer, X):
        _close(out, ref)
    assert layer.compute_output_shape((B, T, D)) == (B, T, 3)
    assert layer(Input(shape=(None, D))).shape == (None, None, 3)
    assert [w.path for w in layer.weights] == ["time_distributed/dense/kernel", "time_distributed/dense/bias"]
    clone = wrappers.TimeDistributed.from_config(layer.get_config())
    assert clone.layer.get_config()["units"] == 3
    with pytest.raises(ValueError, match="at least 3 dimensions"):
        wrappers.TimeDistributed(Dense(2))(np.ones((2, 3), "float32"))
    with pytest.raises(ValueError, match="Layer"):
        wrappers.TimeDistributed(Dense)


# --- weights, configs, errors ----------------------------------------------------------------------

@pytest.mark.parametrize("make, expected", [
    (lambda: rnn.SimpleRNN(4), [("simple_rnn/simple_rnn_cell/kernel", (3, 4)),
                                ("simple_rnn/simple_rnn_cell/recurrent_kernel", (4, 4)),
                                ("simple_rnn/simple_rnn_cell/bias", (4,))]),
    (lambda: rnn.LSTM(4), [("lstm/lstm_cell/kernel", (3, 16)), ("lstm/lstm_cell/recurrent_kernel", (4, 16)),
                           ("lstm/lstm_cell/bias", (16,))]),
    (lambda: rnn.GRU(4), [("gru/gru_cell/kernel", (3, 12)), ("gru/gru_cell/recurrent_kernel", (4, 12)),
                          ("gru/gru_cell/bias", (2, 12))]),
    (lambda: rnn.GRU(4, reset_after=False), [("gru/gru_cell/kernel", (3, 12)),
                                             ("gru/gru_cell/recurrent_kernel", (4, 12)),
                                             ("gru/gru_cell/bias", (12,))]),
])
def test_weight_names_shapes_order(make, expected):
    layer = make()
    layer.build((None, 5, 3))
    assert [(w.path, tuple(w.shape)) for w in layer.weights] == expected
    assert layer.count_params() == sum(int(np.prod(s)) for _, s in expected)


RNN_BASE_KEYS = ["name", "trainable", "dtype", "return_sequences", "return_state", "go_backwards", "stateful",
                 "unroll", "zero_output_for_mask"]
CELL_COMMON = ["kernel_initializer", "recurrent_initializer", "bias_initializer", "kernel_regularizer",
               "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
               "bias_constraint", "dropout", "recurrent_dropout"]


@pytest.mark.parametrize("make, keys", [
    (lambda: rnn.SimpleRNN(4, return_sequences=True),
     RNN_BASE_KEYS + ["units", "activation", "use_bias", "activity_regularizer"] + CELL_COMMON),
    (lambda: rnn.LSTM(4, go_backwards=True, dropout=0.1),
     RNN_BASE_KEYS + ["units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
                      "activity_regularizer", "seed"] + CELL_COMMON),
    (lambda: rnn.GRU(4, reset_after=False, stateful=True),
     RNN_BASE_KEYS + ["units", "activation", "recurrent_activation", "use_bias", "activity_regularizer",
                      "reset_after", "seed"] + CELL_COMMON),
    (lambda: rnn.LSTMCell(3, unit_forget_bias=False),
     ["name", "trainable", "dtype", "units", "activation", "recurrent_activation", "use_bias", "unit_forget_bias",
      "seed"] + CELL_COMMON),
    (lambda: rnn.GRUCell(3), ["name", "trainable", "dtype", "units", "activation", "recurrent_activation",
                              "use_bias", "reset_after", "seed"] + CELL_COMMON),
    (lambda: rnn.SimpleRNNCell(3), ["name", "trainable", "dtype", "units", "activation", "use_bias", "seed"]
     + CELL_COMMON),
    (lambda: rnn.RNN([rnn.SimpleRNNCell(3), rnn.GRUCell(2)], return_sequences=True), RNN_BASE_KEYS + ["cell"]),
])
def test_config_keys_and_round_trip(make, keys):
    layer = make()
    cfg = layer.get_config()
    assert sorted(cfg) == sorted(keys)
    clone = type(layer).from_config(cfg)
    assert clone.get_config() == cfg


def test_config_values_match_keras_defaults():
    cfg = rnn.LSTM(4).get_config()
    assert cfg["activation"] == "tanh" and cfg["recurrent_activation"] == "sigmoid"
    assert cfg["unit_forget_bias"] is True and cfg["dropout"] == 0.0
    assert cfg["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert cfg["recurrent_initializer"]["class_name"] == "Orthogonal"
    assert rnn.GRU(2).get_config()["reset_after"] is True
    cell_cfg = rnn.RNN(rnn.LSTMCell(2)).get_config()["cell"]
    assert cell_cfg["class_name"] == "LSTMCell" and cell_cfg["module"] == "keras.layers"


def test_errors_name_layer_and_shapes():
    layer = rnn.LSTM(U, name="my_lstm")
    with pytest.raises(ValueError, match=r"my_lstm.*\(2, 3\)"):
        layer(np.ones((2, 3), "float32"))
    layer = rnn.LSTM(U, name="my_lstm2")
    layer(X)
    with pytest.raises(ValueError, match=r"my_lstm2.*axis -1.*value 3.*\(2, 5, 7\)"):
        layer(np.ones((2, 5, 7), "float32"))
    generic = rnn.RNN(rnn.GRUCell(2), name="gen")
    with pytest.raises(ValueError, match=r"gen.*\(4, 3\)"):
        generic(np.ones((4, 3), "float32"))
    with pytest.raises(ValueError, match="units"):
        rnn.LSTM(0)
    with pytest.raises(ValueError, match="state_size"):
        rnn.RNN(Dense(3))
    with pytest.raises(ValueError, match="use_cudnn"):
        rnn.GRU(3, use_cudnn="yes")


def test_trains_in_fit():
    from fkeras.models.sequential import Sequential

    rng = np.random.default_rng(1)
    x = rng.integers(0, 8, size=(32, 6)).astype("int32")
    y = (x == 3).any(axis=1).astype("float32")[:, None]
    model = Sequential([Input(shape=(6,), dtype="int32"), Embedding(8, 4, mask_zero=True),
                        rnn.LSTM(4, dropout=0.1), Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    before = [w.copy() for w in model.get_weights()]
    hist = model.fit(x, y, batch_size=16, epochs=2, verbose=0)
    assert np.isfinite(hist.history["loss"]).all()
    assert all(not np.allclose(a, b) for a, b in zip(before, model.get_weights()))


# --- optional parity with Keras 3 ---------------------------------------------------------------

def _keras():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import keras
    except Exception:  # noqa: BLE001
        pytest.skip("keras is not importable")
    if keras.backend.backend() != "jax":
        pytest.skip("keras is not running on the jax backend")
    return keras


@pytest.mark.parametrize("kind", ["LSTM", "GRU"])
def test_parity_with_keras(kind):
    keras = _keras()
    kw = dict(return_sequences=True, return_state=True, go_backwards=True)
    k_layer = getattr(keras.layers, kind)(U, **kw)
    mask = np.array([[1, 1, 1, 0, 0], [1, 0, 1, 1, 1]], bool)
    k_out = k_layer(X, mask=mask)
    ours = getattr(rnn, kind)(U, **kw)
    ours.build(X.shape)
    ours.set_weights(k_layer.get_weights())
    assert [w.path for w in ours.weights] == [w.path.replace(k_layer.name, ours.name) for w in k_layer.weights]
    for a, b in zip(ours(X, mask=mask), k_out):
        _close(a, np.asarray(b))
