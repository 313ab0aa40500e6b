"""Audio: STFTSpectrogram / MelSpectrogram against scipy/numpy references (jit and not), the STFT
initializer's Keras names, Keras 3 parity, and audio_dataset_from_directory on tiny wav files."""
import wave

import jax
import numpy as np
import pytest
import scipy.signal

import fkeras as keras
from fkeras import initializers, layers

RNG = np.random.default_rng(0)
SIG = RNG.normal(size=(2, 200, 2)).astype("float32")  # (batch, time, channels)


# --------------------------------------------------------------------------- STFT initializer

def test_stft_initializer_names_and_config():
    assert initializers.STFT is initializers.STFTInitializer is initializers.stft
    init = initializers.STFT()
    assert init.side == "real" and init.window == "hann" and init.scaling == "density" and not init.periodic
    ser = initializers.serialize(initializers.STFT("imag", "hamming", None, True))
    assert ser["class_name"] == "STFT"
    assert isinstance(initializers.get("stft"), initializers.STFT)
    back = initializers.deserialize({"class_name": "STFTInitializer", "module": "keras.initializers",
                                     "config": {"side": "imag", "window": None, "scaling": None, "periodic": False}})
    x = RNG.normal(size=16)
    np.testing.assert_allclose(x @ np.asarray(back((16, 1, 9)))[:, 0, :], np.fft.rfft(x).imag, atol=1e-4)
    with pytest.raises(ValueError, match="side"):
        initializers.STFT("complex")


def test_stft_initializer_keras_parity():
    keras3 = pytest.importorskip("keras")
    for args in [("real", "hann", "density", False), ("imag", "hamming", "spectrum", True),
                 ("real", None, None, False)]:
        ours = np.asarray(initializers.STFT(*args)((12, 1, 9)))
        theirs = np.asarray(keras3.initializers.STFT(*args)((12, 1, 9)))
        np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-5)  # Keras computes in float32
        assert initializers.STFT(*args).get_config() == keras3.initializers.STFT(*args).get_config()


# --------------------------------------------------------------------------- STFTSpectrogram

def ref_stft(sig, frame_length, step, fft_length, window="hann", periodic=False, scaling="density",
             padding="valid"):
    """scipy.signal.stft per channel: complex ``(batch, channels, bins, frames)``."""
    win = scipy.signal.get_window(window, frame_length, periodic) if window else np.ones(frame_length)
    x = np.swapaxes(sig.astype("float64"), 1, 2)
    if padding == "same":
        frames = -(-x.shape[-1] // step)
        total = max((frames - 1) * step + frame_length - x.shape[-1], 0)
        x = np.pad(x, ((0, 0), (0, 0), (total // 2, total - total // 2)))
    sc = {"density": "psd", "spectrum": "spectrum"}.get(scaling)
    _, _, z = scipy.signal.stft(x, window=win, nperseg=frame_length, noverlap=frame_length - step,
                                nfft=fft_length, boundary=None, padded=False, detrend=False,
                                scaling=sc or "spectrum", return_onesided=True)
    if sc is None:
        z = z * win.sum()  # undo scipy's normalisation
    return z


def _channels_last(z):
    """(batch, channels, bins, frames) -> (batch, frames, channels * bins)."""
    b, c, f, t = z.shape
    return np.swapaxes(z.reshape(b, c * f, t), 1, 2)


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("mode", ["real", "imag", "magnitude", "log", "psd", "angle", "stft"])
def test_stft_spectrogram_matches_scipy(mode, jit):
    layer = layers.STFTSpectrogram(mode=mode, frame_length=32, frame_step=16, fft_length=32, trainable=False)
    if jit:
        variables = layer.init(jax.random.PRNGKey(0), SIG)
        out = np.asarray(jax.jit(lambda v, x: layer.apply(v, x)[0])(variables, SIG))
    else:
        out = np.asarray(layer(SIG))
    z = ref_stft(SIG, 32, 16, 32)
    want = {
        "real": z.real, "imag": z.imag, "magnitude": np.abs(z), "log": np.log(np.maximum(np.abs(z), 1e-7)),
        "angle": np.angle(z),
    }.get(mode)
    if mode == "psd":
        p = np.abs(z) ** 2
        want = p.copy()
        want[:, :, 1:-1] *= 2
    if mode == "stft":
        want = np.concatenate([z.real, z.imag], axis=2)
    want = _channels_last(want)
    assert out.shape == want.shape == tuple(layer.compute_output_shape(SIG.shape))
    if mode == "angle":  # compare phases only where the magnitude is not tiny
        keep = _channels_last(np.abs(z)) > 1e-3
        np.testing.assert_allclose(np.cos(out[keep]), np.cos(want[keep]), atol=1e-3)
    else:
        np.testing.assert_allclose(out, want, rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("kw", [dict(padding="same", window="hamming", scaling="spectrum", periodic=True),
                                dict(padding="same", window=None, scaling=None, fft_length=64),
                                dict(padding="valid", window="hann", frame_step=None)])
def test_stft_spectrogram_padding_windows(kw):
    kw = dict(kw)
    frame_step = kw.pop("frame_step", 16)
    step = frame_step or 32 // 2  # None means half the frame
    fft = kw.get("fft_length", 32)
    layer = layers.STFTSpectrogram(mode="magnitude", frame_length=32, frame_step=frame_step, **kw)
    out = np.asarray(layer(SIG))
    z = ref_stft(SIG, 32, step, fft, window=kw.get("window", "hann"), periodic=kw.get("periodic", False),
                 scaling=kw.get("scaling", "density"), padding=kw.get("padding", "valid"))
    np.testing.assert_allclose(out, _channels_last(np.maximum(np.abs(z), 1e-7)), rtol=2e-4, atol=2e-4)
    assert out.shape == tuple(layer.compute_output_shape(SIG.shape))


def test_stft_spectrogram_layouts_weights_and_grad():
    x_first = np.swapaxes(SIG, 1, 2)
    last = layers.STFTSpectrogram(mode="log", frame_length=16, frame_step=8, expand_dims=True)
    first = layers.STFTSpectrogram(mode="log", frame_length=16, frame_step=8, expand_dims=True,
                                   data_format="channels_first")
    a, b = np.asarray(last(SIG)), np.asarray(first(x_first))
    assert a.shape == (2, 24, 9, 2) and b.shape == (2, 2, 24, 9)
    np.testing.assert_allclose(np.transpose(a, (0, 3, 1, 2)), b, rtol=1e-5, atol=1e-5)
    flat = layers.STFTSpectrogram(mode="log", frame_length=16, frame_step=8, data_format="channels_first")
    assert flat(x_first).shape == (2, 18, 24) == tuple(flat.compute_output_shape(x_first.shape))
    assert [(w.name, w.shape) for w in last.weights] == [("real_kernel", (16, 1, 9)), ("imag_kernel", (16, 1, 9))]
    assert len(last.trainable_weights) == 2
    real_only = layers.STFTSpectrogram(mode="real", frame_length=16)
    real_only.build((None, 40, 1))
    assert [w.name for w in real_only.weights] == ["real_kernel"]
    frozen = layers.STFTSpectrogram(frame_length=16, trainable=False)
    frozen.build((None, 40, 1))
    assert frozen.trainable_weights == [] and len(frozen.non_trainable_weights) == 2
    variables = last.init(jax.random.PRNGKey(0), SIG)
    g = jax.grad(lambda v: last.apply(v, SIG)[0].sum())(variables)
    assert np.all(np.isfinite(np.asarray(g["real_kernel"]))) and np.any(np.asarray(g["imag_kernel"]) != 0)
    # In a model: symbolic shapes, then fit one step.
    inp = keras.Input((64, 1))
    model = keras.Model(inp, layers.Dense(1)(layers.Flatten()(
        layers.STFTSpectrogram(frame_length=16, frame_step=8)(inp))))
    model.compile("sgd", "mse")
    model.fit(RNG.normal(size=(4, 64, 1)).astype("float32"), np.zeros((4, 1), "float32"), verbose=0)


def test_stft_spectrogram_errors_and_config():
    with pytest.raises(ValueError, match="mode"):
        layers.STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match="frame_step"):
        layers.STFTSpectrogram(frame_length=16, frame_step=32)
    with pytest.raises(ValueError, match="fft_length"):
        layers.STFTSpectrogram(frame_length=16, fft_length=8)
    with pytest.raises(ValueError, match="padding"):
        layers.STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError, match="window"):
        layers.STFTSpectrogram(frame_length=16, window=np.ones(8))
    with pytest.raises(TypeError, match="float"):
        layers.STFTSpectrogram(frame_length=16)(np.ones((1, 32, 1), "int32"))
    layer = layers.STFTSpectrogram(mode="psd", frame_length=16, frame_step=4, fft_length=32, window=np.hanning(16),
                                   padding="same", name="spec")
    cfg = layer.get_config()
    again = layers.STFTSpectrogram.from_config(cfg)
    assert again.get_config() == cfg
    np.testing.assert_allclose(np.asarray(again(SIG)), np.asarray(layer(SIG)), rtol=1e-6)


def test_stft_spectrogram_keras_parity():
    keras3 = pytest.importorskip("keras")
    for kw in [dict(mode="log", padding="valid"), dict(mode="psd", padding="same", window="hamming"),
               dict(mode="stft", data_format="channels_first", expand_dims=True)]:
        x = np.swapaxes(SIG, 1, 2) if kw.get("data_format") == "channels_first" else SIG
        ours = layers.STFTSpectrogram(frame_length=24, frame_step=10, fft_length=32, **kw)
        theirs = keras3.layers.STFTSpectrogram(frame_length=24, frame_step=10, fft_length=32, **kw)
        np.testing.assert_allclose(np.asarray(ours(x)), np.asarray(theirs(x)), rtol=1e-4, atol=1e-4)
        assert [(w.name, tuple(w.shape)) for w in ours.weights] == [(w.name, tuple(w.shape)) for w in theirs.weights]
        assert sorted(ours.get_config()) == sorted(theirs.get_config())
        assert tuple(ours.compute_output_shape(x.shape)) == tuple(theirs.compute_output_shape(x.shape))


# --------------------------------------------------------------------------- MelSpectrogram

def ref_mel_filterbank(n_mels, n_fft, sr, fmin, fmax):
    """Triangles with peak 1 on the HTK mel scale ``2595 log10(1 + f / 700)``; DC bin gets 0."""
    mel = lambda f: 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)  # noqa: E731
    freqs = np.linspace(0, sr / 2, n_fft // 2 + 1)
    edges = np.linspace(mel(fmin), mel(fmax), n_mels + 2)
    fb = np.zeros((n_fft // 2 + 1, n_mels))
    for k in range(n_mels):
        lo, c, hi = edges[k], edges[k + 1], edges[k + 2]
        for i in range(1, len(freqs)):
            m = mel(freqs[i])
            fb[i, k] = max(0.0, min((m - lo) / (c - lo), (hi - m) / (hi - c)))
    return fb


def ref_mel(x, n_fft, hop, win_len, sr, n_mels, fmin, fmax, power_to_db=True, top_db=80.0, mag_exp=2.0,
            min_power=1e-10, ref_power=1.0, window="hann"):
    x = np.pad(x.astype("float64"), [(0, 0)] * (x.ndim - 1) + [(n_fft // 2, n_fft // 2)], mode="reflect")
    win = scipy.signal.get_window(window, win_len, fftbins=True) if window else np.ones(win_len)
    left = (n_fft - win_len) // 2
    win = np.pad(win, (left, n_fft - win_len - left))
    n = 1 + (x.shape[-1] - n_fft) // hop
    frames = np.stack([x[..., t * hop:t * hop + n_fft] for t in range(n)], axis=-2)
    spec = np.abs(np.fft.rfft(frames * win, axis=-1)) ** mag_exp
    mel = spec @ ref_mel_filterbank(n_mels, n_fft, sr, fmin, fmax)
    if power_to_db:
        mel = 10 * np.log10(np.maximum(mel, min_power)) - 10 * np.log10(max(abs(ref_power), min_power))
        mel = np.maximum(mel, mel.max() - top_db)
    return np.swapaxes(mel, -1, -2)


AUDIO = RNG.normal(size=(2, 700)).astype("float32")


@pytest.mark.parametrize("jit", [False, True])
@pytest.mark.parametrize("kw", [dict(), dict(sequence_length=48, window="hamming", mag_exp=1.0, top_db=20.0),
                                dict(power_to_db=False, window=None, min_freq=100.0, max_freq=3000.0),
                                dict(ref_power=4.0, min_power=1e-3)])
def test_mel_spectrogram_matches_numpy(kw, jit):
    args = dict(fft_length=64, sequence_stride=32, sampling_rate=8000, num_mel_bins=10)
    layer = layers.MelSpectrogram(**args, **kw)
    out = np.asarray(jax.jit(layer.__call__)(AUDIO) if jit else layer(AUDIO))
    want = ref_mel(AUDIO, 64, 32, kw.get("sequence_length", 64), 8000, 10, kw.get("min_freq", 20.0),
                   kw.get("max_freq", 4000), power_to_db=kw.get("power_to_db", True), top_db=kw.get("top_db", 80.0),
                   mag_exp=kw.get("mag_exp", 2.0), min_power=kw.get("min_power", 1e-10),
                   ref_power=kw.get("ref_power", 1.0), window=kw.get("window", "hann"))
    assert out.shape == want.shape == (2, 10, 22) == tuple(layer.compute_output_shape(AUDIO.shape))
    tol = 2e-3 if kw.get("power_to_db", True) else 1e-4
    np.testing.assert_allclose(out, want, rtol=tol, atol=tol * 10)


def test_mel_spectrogram_unbatched_config_and_errors():
    layer = layers.MelSpectrogram(fft_length=64, sequence_stride=16, sampling_rate=8000, num_mel_bins=8,
                                  power_to_db=False)
    one = np.asarray(layer(AUDIO[0]))
    assert one.shape == (8, 44)
    np.testing.assert_allclose(one, np.asarray(layer(AUDIO))[0], rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(np.asarray(layer.linear_to_mel_weight_matrix(8, 33, 8000, 20.0, 4000.0)),
                               ref_mel_filterbank(8, 64, 8000, 20.0, 4000.0), atol=1e-5)
    cfg = layer.get_config()
    assert layers.MelSpectrogram.from_config(cfg).get_config() == cfg
    assert layer.weights == []
    for bad, match in [(dict(fft_length=32, sequence_length=64), "fft_length"), (dict(window="blackman"), "window"),
                       (dict(num_mel_bins=0), "num_mel_bins"), (dict(min_freq=5000.0, sampling_rate=8000), "min_freq")]:
        with pytest.raises(ValueError, match=match):
            layers.MelSpectrogram(**bad)


def test_mel_spectrogram_keras_parity():
    keras3 = pytest.importorskip("keras")
    kw = dict(fft_length=64, sequence_stride=32, sampling_rate=8000, num_mel_bins=10, sequence_length=60)
    ours, theirs = layers.MelSpectrogram(**kw), keras3.layers.MelSpectrogram(**kw)
    np.testing.assert_allclose(np.asarray(ours(AUDIO)), np.asarray(theirs(AUDIO)), rtol=1e-3, atol=1e-2)
    assert ours.get_config() == {k: v for k, v in theirs.get_config().items() if k in ours.get_config()}
    assert sorted(ours.get_config()) == sorted(theirs.get_config())
    m_ours = np.asarray(ours.linear_to_mel_weight_matrix(10, 33, 8000, 20.0, 4000.0))
    m_theirs = np.asarray(theirs.linear_to_mel_weight_matrix(10, 33, 8000, 20.0, 4000.0))
    np.testing.assert_allclose(m_ours, m_theirs, atol=1e-5)


# --------------------------------------------------------------------------- audio_dataset_from_directory

def _write_wav(path, samples, rate=8000, width=2):
    samples = np.asarray(samples, dtype="float64")
    if samples.ndim == 1:
        samples = samples[:, None]
    if width == 1:
        raw = np.clip(np.round(samples * 128 + 128), 0, 255).astype(np.uint8).tobytes()
    elif width == 2:
        raw = np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2").tobytes()
    else:  # 24-bit little endian
        ints = np.clip(np.round(samples * (1 << 23)), -(1 << 23), (1 << 23) - 1).astype(np.int64) & 0xFFFFFF
        raw = np.stack([(ints >> s) & 0xFF for s in (0, 8, 16)], axis=-1).astype(np.uint8).tobytes()
    with wave.open(str(path), "wb") as f:
        f.setnchannels(samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(raw)


@pytest.fixture
def audio_dir(tmp_path):
    clips = {}
    for cls, lengths in (("no", (30, 50, 40)), ("yes", (20, 60))):
        (tmp_path / cls).mkdir()
        for i, n in enumerate(lengths):
            x = np.round(RNG.uniform(-0.9, 0.9, size=n) * 32768) / 32768
            _write_wav(tmp_path / cls / f"{i}.wav", x)
            clips[str(tmp_path / cls / f"{i}.wav")] = x
    return tmp_path, clips


def test_audio_dataset_padding_and_labels(audio_dir):
    root, clips = audio_dir
    ds = keras.utils.audio_dataset_from_directory(root, batch_size=2, shuffle=False, verbose=False)
    assert ds.class_names == ["no", "yes"] and len(ds) == 3
    x, y = ds[0]
    assert x.dtype == np.float32 and x.shape == (2, 50, 1)  # padded to the longest clip of the batch
    np.testing.assert_allclose(x[0, :30, 0], clips[ds.file_paths[0]], atol=1e-6)
    assert np.all(x[0, 30:] == 0)
    assert y.dtype == np.int32 and list(y) == [0, 0]
    assert list(ds[2][1]) == [1]

    fixed = keras.utils.audio_dataset_from_directory(root, batch_size=None, shuffle=False, output_sequence_length=45,
                                                     label_mode="categorical", verbose=False)
    shapes = [fixed[i][0].shape for i in range(len(fixed))]
    assert shapes == [(45, 1)] * 5
    np.testing.assert_array_equal(fixed[4][1], [0.0, 1.0])

    binary = keras.utils.audio_dataset_from_directory(root, batch_size=5, label_mode="binary", shuffle=True, seed=3,
                                                      verbose=False)
    xb, yb = binary[0]
    assert yb.shape == (5, 1) and yb.dtype == np.float32 and sorted(yb[:, 0]) == [0, 0, 0, 1, 1]

    ragged = keras.utils.audio_dataset_from_directory(root, batch_size=5, ragged=True, shuffle=False, labels=None,
                                                      verbose=False)
    clips_out = ragged[0]
    assert [c.shape for c in clips_out] == [(30, 1), (50, 1), (40, 1), (20, 1), (60, 1)]

    train, val = keras.utils.audio_dataset_from_directory(root, batch_size=2, validation_split=0.4, subset="both",
                                                          seed=1, verbose=False)
    assert len(train.file_paths) == 3 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)


def test_audio_dataset_resample_and_formats(tmp_path):
    t = np.arange(400) / 8000.0
    tone = 0.5 * np.sin(2 * np.pi * 200 * t)
    (tmp_path / "a").mkdir()
    _write_wav(tmp_path / "a" / "tone.wav", np.stack([tone, -tone], axis=1))  # stereo, 16-bit
    ds = keras.utils.audio_dataset_from_directory(tmp_path, sampling_rate=4000, batch_size=1, verbose=False)
    x, _ = ds[0]
    assert x.shape == (1, 200, 2)
    np.testing.assert_allclose(x[0, 20:180, 0], tone[::2][20:180], atol=0.02)
    np.testing.assert_allclose(x[0, :, 1], -x[0, :, 0], atol=1e-6)

    from fkeras.utils.audio_dataset_utils import read_wav

    for width, tol in ((1, 1 / 128), (3, 1e-6)):
        path = tmp_path / f"w{width}.wav"
        _write_wav(path, tone[:50], width=width)
        np.testing.assert_allclose(read_wav(path)[:, 0], tone[:50], atol=tol)


def test_audio_dataset_errors(audio_dir, tmp_path):
    root, _ = audio_dir
    with pytest.raises(ValueError, match="ragged"):
        keras.utils.audio_dataset_from_directory(root, ragged=True, output_sequence_length=10)
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.audio_dataset_from_directory(root, sampling_rate=8000.0)
    with pytest.raises(ValueError, match="sampling_rate"):
        keras.utils.audio_dataset_from_directory(root, sampling_rate=-1)
    with pytest.raises(ValueError, match="label_mode"):
        keras.utils.audio_dataset_from_directory(root, label_mode="sparse")
    with pytest.raises(ValueError, match="labels"):
        keras.utils.audio_dataset_from_directory(root, labels="folders")
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.wav").write_bytes(b"not a wav file")
    from fkeras.utils.audio_dataset_utils import read_wav

    with pytest.raises(ValueError, match="PCM"):
        read_wav(tmp_path / "bad" / "x.wav")


def test_keras_file_round_trip_and_keras_loads_it(tmp_path):
    inp = keras.Input((64, 1))
    x = layers.STFTSpectrogram(frame_length=16, frame_step=8, window=None, scaling=None)(inp)
    model = keras.Model(inp, layers.Dense(2)(x))
    path = str(tmp_path / "stft.keras")
    model.save(path)
    xx = RNG.normal(size=(2, 64, 1)).astype("float32")
    want = model.predict(xx, verbose=0)
    np.testing.assert_allclose(keras.models.load_model(path).predict(xx, verbose=0), want, rtol=1e-6)
    keras3 = pytest.importorskip("keras")
    np.testing.assert_allclose(np.asarray(keras3.models.load_model(path).predict(xx, verbose=0)), want,
                               rtol=1e-5, atol=1e-5)
