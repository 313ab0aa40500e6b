"""The newer keras.ops nn / math / linalg / signal ops (CTC, stft/istft, fold/unfold,
depth<->space, adaptive pooling, rearrange, cdist, segments, ...) vs independent numpy/scipy
references, eagerly and under jax.jit, plus Keras 3 parity."""
import itertools
import os

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import scipy.signal
import scipy.spatial.distance
import scipy.special

from fkeras import ops
from fkeras.ops import linalg, math, nn

rng = np.random.default_rng(11)


def _both(fn, *args):
    """``fn(*args)`` eagerly and under jit (array arguments traced)."""
    return fn(*args), jax.jit(fn)(*args)


def _log_softmax(x):
    x = x - x.max(-1, keepdims=True)
    return x - np.log(np.exp(x).sum(-1, keepdims=True))


def _collapse(path, blank):
    out, prev = [], None
    for s in path:
        if s != prev and s != blank:
            out.append(int(s))
        prev = s
    return tuple(out)


def _label_log_probs(logits, length, blank):
    """log P(labeling) for every labeling reachable in ``length`` steps (brute force over alignments)."""
    lp = _log_softmax(logits.astype(np.float64))[:length]
    probs = {}
    for path in itertools.product(range(logits.shape[-1]), repeat=length):
        key = _collapse(path, blank)
        probs[key] = probs.get(key, 0.0) + np.exp(sum(lp[t, s] for t, s in enumerate(path)))
    return {k: np.log(v) for k, v in probs.items()}


# --- CTC --------------------------------------------------------------------------------------

LOGITS = rng.standard_normal((3, 5, 3)).astype("float32")
OUT_LEN = np.array([5, 4, 5], "int32")


def _ctc_case(blank):
    labels = [1, 2] if blank == 0 else [0, 1]
    target = np.array([[labels[0], labels[1], labels[1]], [labels[1], 0, 0], [labels[0], labels[0], 0]], "int32")
    target_len = np.array([3, 1, 2], "int32")
    want = [-_label_log_probs(LOGITS[b], OUT_LEN[b], blank).get(tuple(target[b, :target_len[b]]), -np.inf)
            for b in range(3)]
    return target, target_len, want


def test_ctc_loss_matches_brute_force():
    target, target_len, want = _ctc_case(blank=0)  # eagerly, blank 0
    np.testing.assert_allclose(nn.ctc_loss(target, LOGITS, target_len, OUT_LEN), want, rtol=1e-5)
    target, target_len, want = _ctc_case(blank=2)  # under jit, blank 2, with a finite gradient
    loss, grad = jax.jit(jax.value_and_grad(
        lambda o: nn.ctc_loss(target, o, target_len, OUT_LEN, mask_index=2).sum()))(LOGITS)
    np.testing.assert_allclose(loss, np.sum(want), rtol=1e-5)
    assert np.all(np.isfinite(grad))


def _greedy_ref(x, lengths, merge, blank):
    paths = np.full(x.shape[:2], -1)
    scores = np.zeros((x.shape[0], 1), np.float32)
    for b in range(x.shape[0]):
        best = x[b, :lengths[b]].argmax(-1)
        scores[b, 0] = -x[b, :lengths[b]].max(-1).sum()
        labels, prev = [], None
        for s in best:
            if s != blank and not (merge and s == prev):
                labels.append(s)
            prev = s
        paths[b, :len(labels)] = labels
    return paths[None], scores


@pytest.mark.parametrize("merge,blank", [(True, 0), (False, 1)])
def test_ctc_greedy_decode(merge, blank):
    x = np.array([[[.1, .8, .1], [.1, .8, .1], [.7, .2, .1], [.1, .8, .1], [.1, .1, .8]],
                  [[.1, .1, .8], [.1, .1, .8], [.1, .8, .1], [.8, .1, .1], [.1, .8, .1]]], "float32")
    lengths = np.array([5, 3], "int32")
    want_paths, want_scores = _greedy_ref(x, lengths, merge, blank)
    for paths, scores in _both(lambda a, n: nn.ctc_decode(a, n, merge_repeated=merge, mask_index=blank), x, lengths):
        np.testing.assert_array_equal(paths, want_paths)
        np.testing.assert_allclose(scores, want_scores, rtol=1e-6)


def test_ctc_beam_search_is_exact_with_a_wide_beam():
    # With a beam wider than the number of reachable prefixes, prefix beam search is exact.
    eager = nn.ctc_decode(LOGITS, OUT_LEN, strategy="beam_search", beam_width=40, top_paths=3)
    jitted = jax.jit(lambda a, n: nn.ctc_decode(a, n, strategy="beam_search", beam_width=40, top_paths=3,
                                                mask_index=2))(LOGITS, OUT_LEN)
    for blank, (paths, scores) in ((0, eager), (2, jitted)):
        assert paths.shape == (3, 3, 5) and scores.shape == (3, 3)
        for b in range(3):
            table = _label_log_probs(LOGITS[b], OUT_LEN[b], blank)
            best = sorted(table.items(), key=lambda kv: -kv[1])[:3]
            for k, (labels, log_p) in enumerate(best):
                assert tuple(int(v) for v in np.asarray(paths[k, b]) if v != -1) == labels
                np.testing.assert_allclose(scores[b, k], log_p, rtol=1e-5)


# --- stft / istft -----------------------------------------------------------------------------

SIG = rng.standard_normal((2, 30)).astype("float32")


@pytest.mark.parametrize("window,center", [("hann", True), ("hamming", False), (None, True), ("array", False)])
def test_stft_matches_scipy(window, center):
    seq, stride, nfft = 6, 3, 8
    win = rng.uniform(0.5, 1.0, seq).astype("float32") if window == "array" else window
    if window is None:
        ref_win = np.ones(nfft)
    else:
        base = win if window == "array" else scipy.signal.get_window(window, seq)
        ref_win = np.pad(base, ((nfft - seq) // 2, nfft - seq - (nfft - seq) // 2))
    x = np.pad(SIG, ((0, 0), (nfft // 2, nfft // 2)), mode="reflect") if center else SIG
    _, _, z = scipy.signal.stft(x.astype(np.float64), window=ref_win, nperseg=nfft, noverlap=nfft - stride,
                                boundary=None, padded=False, detrend=False)
    want = np.swapaxes(z * ref_win.sum(), -1, -2)  # undo scipy's 'spectrum' scaling
    for real, imag in _both(lambda s: math.stft(s, seq, stride, nfft, window=win, center=center), SIG):
        np.testing.assert_allclose(real, want.real, atol=2e-5)
        np.testing.assert_allclose(imag, want.imag, atol=2e-5)


@pytest.mark.parametrize("window", ["hann", "hamming"])
def test_istft_inverts_stft(window):
    spec = math.stft(SIG, 8, 2, 8, window=window)
    for back in _both(lambda r, i: math.istft((r, i), 8, 2, 8, length=30, window=window), *spec):
        np.testing.assert_allclose(back, SIG, atol=1e-5)


def test_istft_unwindowed_overlap_add_reference():
    real = rng.standard_normal((4, 5)).astype("float32")
    imag = rng.standard_normal((4, 5)).astype("float32")
    imag[:, 0] = imag[:, -1] = 0.0
    frames = np.fft.irfft(real + 1j * imag, n=8)
    total, norm = np.zeros(8 + 3 * 3), np.zeros(8 + 3 * 3)
    for f in range(4):
        total[f * 3:f * 3 + 8] += frames[f]
        norm[f * 3:f * 3 + 8] += 1.0
    want = (total / norm * 8 / 3)[4:-4]
    for got in _both(lambda r, i: math.istft((r, i), 8, 3, 8, window=None), real, imag):
        np.testing.assert_allclose(got, want, atol=1e-5)


# --- unfold / fold / depth <-> space ----------------------------------------------------------

IMG = rng.standard_normal((2, 3, 5, 6)).astype("float32")


def _unfold_ref(x, k, d, p, s):
    n, c, h, w = x.shape
    xp = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])))
    oh = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c * k[0] * k[1], oh * ow), x.dtype)
    for ci, i, j, a, b in itertools.product(range(c), range(k[0]), range(k[1]), range(oh), range(ow)):
        out[:, (ci * k[0] + i) * k[1] + j, a * ow + b] = xp[:, ci, a * s[0] + i * d[0], b * s[1] + j * d[1]]
    return out


def _fold_ref(cols, size, k, d, p, s):
    n, ckk, _ = cols.shape
    c = ckk // (k[0] * k[1])
    oh = (size[0] + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    ow = (size[1] + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    out = np.zeros((n, c, size[0] + 2 * p[0], size[1] + 2 * p[1]), cols.dtype)
    for ci, i, j, a, b in itertools.product(range(c), range(k[0]), range(k[1]), range(oh), range(ow)):
        out[:, ci, a * s[0] + i * d[0], b * s[1] + j * d[1]] += cols[:, (ci * k[0] + i) * k[1] + j, a * ow + b]
    return out[:, :, p[0]:p[0] + size[0], p[1]:p[1] + size[1]]


@pytest.mark.parametrize("k,d,p,s", [(2, 1, 0, 1), ((3, 2), (1, 2), (1, 0), (2, 1))])
def test_unfold_and_fold_match_loops(k, d, p, s):
    pair = [v if isinstance(v, tuple) else (v, v) for v in (k, d, p, s)]
    want = _unfold_ref(IMG, *pair)
    for got in _both(lambda x: nn.unfold(x, k, dilation=d, padding=p, stride=s), IMG):
        np.testing.assert_allclose(got, want, rtol=1e-6)
    cols = rng.standard_normal(want.shape).astype("float32")
    for got in _both(lambda c: nn.fold(c, (5, 6), k, dilation=d, padding=p, stride=s), cols):
        np.testing.assert_allclose(got, _fold_ref(cols, (5, 6), *pair), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depth_to_space_and_back(data_format):
    b, x = 2, rng.standard_normal((2, 3, 2, 8)).astype("float32")
    if data_format == "channels_first":
        x = np.ascontiguousarray(np.moveaxis(x, -1, 1))
    want = np.zeros((2, 6, 4, 2), np.float32)
    xl = x if data_format == "channels_last" else np.moveaxis(x, 1, -1)
    for h, w, i, j, c in itertools.product(range(3), range(2), range(b), range(b), range(2)):
        ch = (i * b + j) * 2 + c if data_format == "channels_last" else c * b * b + i * b + j
        want[:, h * b + i, w * b + j, c] = xl[:, h, w, ch]
    if data_format == "channels_first":
        want = np.moveaxis(want, -1, 1)
    for got in _both(lambda a: nn.depth_to_space(a, b, data_format), x):
        np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(jax.jit(lambda a: nn.space_to_depth(a, b, data_format))(want), x)


# --- adaptive pooling -------------------------------------------------------------------------

def _adaptive_ref(x, out_size, mode):
    """Channels-last loops; window i = [floor(i n / o), ceil((i + 1) n / o))."""
    spatial = x.shape[1:-1]
    out = np.zeros((x.shape[0],) + tuple(out_size) + (x.shape[-1],), np.float64)
    for idx in itertools.product(*(range(o) for o in out_size)):
        sl = tuple(slice(i * n // o, -(-(i + 1) * n // o)) for i, n, o in zip(idx, spatial, out_size, strict=True))
        win = x[(slice(None),) + sl].reshape(x.shape[0], -1, x.shape[-1])
        out[(slice(None),) + idx] = win.max(1) if mode == "max" else win.mean(1)
    return out


# Every rank and data format also goes through these ops in tests/layers/test_adaptive_pooling.py.
@pytest.mark.parametrize("shape,out_size,data_format", [
    ((2, 7, 3), (3,), "channels_first"), ((1, 5, 8, 2), (3, 5), "channels_last"),
    ((1, 4, 5, 3, 2), (2, 3, 2), "channels_first"),
])
def test_adaptive_pooling_matches_loops(shape, out_size, data_format):
    x = rng.standard_normal(shape).astype("float32")
    for mode, fn in (("average", nn.adaptive_average_pool), ("max", nn.adaptive_max_pool)):
        want = _adaptive_ref(x, out_size, mode)
        xin = x if data_format == "channels_last" else np.moveaxis(x, -1, 1)
        for got in _both(lambda a, fn=fn: fn(a, out_size, data_format=data_format), xin):
            got = got if data_format == "channels_last" else np.moveaxis(np.asarray(got), 1, -1)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


# --- rearrange --------------------------------------------------------------------------------

T4 = rng.standard_normal((2, 4, 6, 3)).astype("float32")


@pytest.mark.parametrize("pattern,lengths,ref", [
    ("b h w c -> b c h w", {}, lambda x: x.transpose(0, 3, 1, 2)),
    ("b h w c -> (b h) w c", {}, lambda x: x.reshape(8, 6, 3)),
    ("b h w c -> b (c h w)", {}, lambda x: x.transpose(0, 3, 1, 2).reshape(2, -1)),
    ("b (h h2) (w w2) c -> b h w (c h2 w2)", {"h2": 2, "w2": 3},
     lambda x: x.reshape(2, 2, 2, 2, 3, 3).transpose(0, 1, 3, 5, 2, 4).reshape(2, 2, 2, 18)),
    ("b (h1 h) w c -> (b h1) h w c", {"h1": 2}, lambda x: x.reshape(4, 2, 6, 3)),
    ("b ... c -> c b ...", {}, lambda x: x.transpose(3, 0, 1, 2)),
    ("b ... c -> b (...) c", {}, lambda x: x.reshape(2, 24, 3)),
    ("b h w c -> b 1 (h w) c ()", {}, lambda x: x.reshape(2, 1, 24, 3, 1)),
])
def test_rearrange_matches_numpy(pattern, lengths, ref):
    for got in _both(lambda x: ops.rearrange(x, pattern, **lengths), T4):
        np.testing.assert_array_equal(got, ref(T4))


# --- linalg / math ----------------------------------------------------------------------------

SPD_L = np.linalg.cholesky(np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])).astype("float32")
RECT = rng.standard_normal((4, 3)).astype("float32")


def test_linalg_extras():
    spd = SPD_L.astype(np.float64) @ SPD_L.T
    for got in _both(linalg.cholesky_inverse, SPD_L):
        np.testing.assert_allclose(got, np.linalg.inv(spd), rtol=1e-4)
    for got in _both(lambda u: linalg.cholesky_inverse(u, upper=True), SPD_L.T.copy()):
        np.testing.assert_allclose(got, np.linalg.inv(spd), rtol=1e-4)
    for got in _both(linalg.pinv, RECT):
        np.testing.assert_allclose(got, np.linalg.pinv(RECT), rtol=1e-4, atol=1e-5)
    low_rank = RECT @ np.diag([1.0, 1.0, 0.0]).astype("float32") @ RECT.T
    for got in _both(linalg.matrix_rank, np.stack([low_rank, np.eye(4, dtype="float32")])):
        np.testing.assert_array_equal(got, [2, 4])
    out, tangent = linalg.jvp(lambda a, b: jnp.sin(a) * b, (RECT, RECT), (np.ones_like(RECT), RECT))
    np.testing.assert_allclose(tangent, np.cos(RECT) * RECT + np.sin(RECT) * RECT, rtol=1e-5)
    _, _, aux = linalg.jvp(lambda a: (a * 2, "aux"), [RECT], [RECT], has_aux=True)
    assert aux == "aux"


def test_math_extras():
    y = rng.standard_normal((5, 3)).astype("float32")
    for got in _both(math.cdist, RECT, y):
        np.testing.assert_allclose(got, scipy.spatial.distance.cdist(RECT, y), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(math.cdist(np.stack([RECT, RECT]), np.stack([y, y]))[1],
                               scipy.spatial.distance.cdist(RECT, y), rtol=1e-5, atol=1e-6)
    for got in _both(math.erfc, RECT * 3):
        np.testing.assert_allclose(got, scipy.special.erfc(RECT * 3), rtol=1e-5, atol=1e-7)
    data = rng.standard_normal((6, 2)).astype("float32")
    ids = np.array([0, 2, 0, 2, 2, 3], "int32")
    mins, prods = np.full((4, 2), np.inf, np.float32), np.ones((4, 2), np.float32)
    for row, i in zip(data, ids, strict=True):
        mins[i] = np.minimum(mins[i], row)
        prods[i] *= row
    for got in _both(lambda d, s: math.segment_min(d, s, num_segments=4), data, ids):
        np.testing.assert_allclose(got, mins, rtol=1e-6)
    for got in _both(lambda d, s: math.segment_prod(d, s, num_segments=4, sorted=False), data, ids):
        np.testing.assert_allclose(got, prods, rtol=1e-5)
    pairs = rng.standard_normal((3, 2)).astype("float32")
    for got in _both(math.view_as_complex, pairs):
        np.testing.assert_allclose(got, pairs[:, 0] + 1j * pairs[:, 1], rtol=1e-6)
    np.testing.assert_allclose(math.view_as_real(pairs[:, 0] + 1j * pairs[:, 1]), pairs, rtol=1e-6)
    mags, angles = np.abs(RECT), RECT
    for got in _both(nn.polar, mags, angles):
        np.testing.assert_allclose(got, mags * np.exp(1j * angles), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("call,exc,pattern", [
    (lambda: nn.ctc_decode(LOGITS, OUT_LEN, strategy="beam"), ValueError, r"`strategy`.*'beam'"),
    (lambda: nn.ctc_decode(LOGITS, OUT_LEN, mask_index=3), ValueError, "mask_index"),
    (lambda: nn.ctc_decode(LOGITS, OUT_LEN, strategy="beam_search", beam_width=2, top_paths=3), ValueError,
     "top_paths"),
    (lambda: nn.ctc_loss(np.zeros((3,), "int32"), LOGITS, OUT_LEN, OUT_LEN), ValueError, "max_label_length"),
    (lambda: math.stft(SIG, 8, 0, 8), ValueError, "sequence_stride"),
    (lambda: math.stft(SIG, 8, 2, 4), ValueError, "fft_length"),
    (lambda: math.stft(SIG, 8, 2, 8, window="blackman"), ValueError, "'hann' or 'hamming'"),
    (lambda: math.stft(SIG.astype("int32"), 8, 2, 8), TypeError, "float32 or float64"),
    (lambda: math.stft(SIG, 8, 2, 8, window=np.ones(5)), ValueError, "shape of `window`"),
    (lambda: math.istft(SIG, 8, 2, 8), ValueError, r"tuple `\(real, imag\)`"),
    (lambda: nn.unfold(IMG[0], 2), ValueError, "4-D"),
    (lambda: nn.fold(IMG, (5, 6), 2), ValueError, "3-D"),
    (lambda: nn.fold(np.ones((1, 8, 7)), (5, 6), 2), ValueError, "blocks"),
    (lambda: nn.depth_to_space(IMG, 1), ValueError, "block_size"),
    (lambda: nn.space_to_depth(IMG, 2, "channels_first"), ValueError, "divisible"),
    (lambda: nn.adaptive_average_pool(IMG, (2, 2, 2)), ValueError, "output_size"),
    (lambda: nn.adaptive_max_pool(IMG[0, 0], 2), ValueError, "3-D, 4-D or 5-D"),
    (lambda: ops.rearrange(T4, "b h w c -> b h w"), ValueError, r"Only on the left: \[.c.\]"),
    (lambda: ops.rearrange(T4, "b (h h2) w c -> b h h2 w c"), ValueError, "cannot infer"),
    (lambda: ops.rearrange(T4, "b (h h2) w c -> b h h2 w c", h2=5), ValueError, "cannot be split"),
    (lambda: ops.rearrange(T4, "b h w -> b h w"), ValueError, "3 dimensions"),
    (lambda: math.segment_min(np.ones((3, 2)), np.zeros((2,), "int32"), 2), ValueError, "leading dimension"),
    (lambda: math.cdist(RECT[0], RECT), ValueError, "rank >= 2"),
    (lambda: math.view_as_complex(RECT), ValueError, "size 2"),
    (lambda: nn.polar(np.array([1, 2]), RECT[0, :2]), ValueError, "floating"),
    (lambda: linalg.pinv(RECT[0]), ValueError, "rank >= 2"),
    (lambda: linalg.cholesky_inverse(RECT), ValueError, "square"),
])
def test_bad_arguments(call, exc, pattern):
    with pytest.raises(exc, match=pattern):
        call()


# --- parity with Keras 3 ----------------------------------------------------------------------

def _keras():
    import sys

    if "keras" not in sys.modules:
        os.environ.setdefault("KERAS_BACKEND", "jax")
    real = pytest.importorskip("keras")
    if real.backend.backend() != "jax":
        pytest.skip("Keras parity tests need KERAS_BACKEND=jax")
    return real


_TARGET = np.array([[1, 2, 2], [2, 0, 0], [1, 1, 0]], "int32")
_X4 = rng.standard_normal((2, 4, 6, 8)).astype("float32")
_SPEC = tuple(np.asarray(v) for v in math.stft(SIG, 6, 3, 8))
PARITY = {
    # name: (submodule it is also exported from, args, kwargs)
    "adaptive_average_pool": ("nn", (_X4, (3, 4)), {"data_format": "channels_last"}),
    "adaptive_max_pool": ("nn", (_X4, 3), {"data_format": "channels_first"}),
    "cdist": ("math", (RECT, RECT[:2]), {}),
    "cholesky_inverse": ("linalg", (SPD_L,), {}),
    "ctc_decode": ("nn", (LOGITS, OUT_LEN), {"mask_index": 1}),
    "ctc_loss": ("nn", (_TARGET, LOGITS, np.array([3, 1, 2], "int32"), OUT_LEN), {}),
    "depth_to_space": ("nn", (_X4, 2), {}),
    "erfc": ("math", (RECT,), {}),
    "fold": ("nn", (rng.standard_normal((2, 12, 6)).astype("float32"), (3, 4), 2), {}),
    "istft": ("math", (_SPEC, 6, 3, 8), {"window": "hamming"}),
    "jvp": ("linalg", (jnp.tanh, (RECT,), (RECT,)), {}),
    "matrix_rank": ("linalg", (RECT,), {}),
    "pinv": ("linalg", (RECT,), {}),
    "polar": ("nn", (np.abs(RECT), RECT), {}),
    "rearrange": ("einops", (_X4, "b (h h1) w c -> (b h1) w h c"), {"h1": 2}),
    "segment_min": ("math", (RECT, np.array([0, 0, 2, 1], "int32")), {"num_segments": 3}),
    "segment_prod": ("math", (RECT, np.array([1, 0, 1, 1], "int32")), {"num_segments": 2}),
    "space_to_depth": ("nn", (_X4, 2), {"data_format": "channels_first"}),
    "stft": ("math", (SIG, 6, 3, 8), {"window": "hann"}),
    "unfold": ("nn", (IMG, (2, 3)), {"padding": 1, "stride": 2}),
    "view_as_complex": ("math", (rng.standard_normal((3, 2)).astype("float32"),), {}),
    "view_as_real": ("math", ((RECT + 2j * RECT).astype("complex64"),), {}),
}


def _check_parity(name, module, args, kwargs):
    keras = _keras()
    ours = getattr(ops, name)
    assert getattr(getattr(ops, module), name) is ours
    got = jax.tree.leaves(ours(*args, **kwargs))
    theirs = lambda: getattr(keras.ops, name)(*args, **kwargs)  # noqa: E731
    # Keras's JAX backend dispatches op by op when eager; one jitted call is faster to run.
    want = jax.tree.leaves(theirs() if name == "rearrange" else jax.jit(theirs)())
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        assert np.shape(g) == np.shape(w)
        np.testing.assert_allclose(np.asarray(g), np.asarray(w), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", sorted(PARITY))
def test_keras_parity(name):
    _check_parity(name, *PARITY[name])


@pytest.mark.slow  # compiling Keras's beam search takes several seconds; the exact-beam test covers ours
def test_keras_parity_ctc_beam_search():
    _check_parity("ctc_decode", "nn", (LOGITS[:2, :4], OUT_LEN[:2] - 1),
                  {"strategy": "beam_search", "beam_width": 3, "top_paths": 2})


def test_keras_nn_and_linalg_names_are_exported():
    _keras()
    import keras.ops.linalg as keras_linalg
    import keras.ops.nn as keras_nn

    for ours, theirs in ((nn, keras_nn), (linalg, keras_linalg)):
        assert [n for n in dir(theirs) if not n.startswith("_") and not hasattr(ours, n)] == []


def test_dot_product_attention_grouped_query_heads_match_numpy():
    """Fewer key/value heads than query heads (grouped-query attention): each key/value head serves
    ``query_heads // kv_heads`` consecutive query heads, as Keras 3's op accepts."""
    rng = np.random.default_rng(3)
    q = rng.normal(size=(2, 5, 4, 8)).astype("float32")
    k = rng.normal(size=(2, 6, 2, 8)).astype("float32")
    v = rng.normal(size=(2, 6, 2, 8)).astype("float32")
    kr, vr = np.repeat(k, 2, axis=2), np.repeat(v, 2, axis=2)
    logits = np.einsum("btnh,bsnh->bnts", q, kr) / np.sqrt(8)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    expected = np.einsum("bnts,bsnh->btnh", p, vr)
    from fkeras import ops as kops
    for fn in (kops.dot_product_attention, jax.jit(kops.dot_product_attention)):
        np.testing.assert_allclose(np.asarray(fn(q, k, v)), expected, rtol=1e-5, atol=1e-5)
    with pytest.raises(ValueError, match="multiple of the key/value heads"):
        kops.dot_product_attention(q, k[:, :, :1].repeat(3, axis=2), v[:, :, :1].repeat(3, axis=2))


def test_dot_product_attention_refuses_other_than_4d_inputs_eagerly_and_symbolically():
    from fkeras import ops as kops

    q = np.ones((2, 4, 8), "float32")
    with pytest.raises(ValueError, match=r"only supports 4D inputs.*query.shape=\(2, 4, 8\)"):
        kops.dot_product_attention(q, q, q)
    import fkeras

    a, b, c = (fkeras.Input((4, 8)) for _ in range(3))
    with pytest.raises(ValueError, match="only supports 4D inputs"):
        kops.dot_product_attention(a, b, c)
