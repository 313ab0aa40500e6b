"""keras.config switches: interactive logging, traceback filtering, epoch/step caps, flash attention,
backend. Each test restores the process-wide setting it changes."""
import logging
import traceback

import numpy as np
import pytest

import fkeras as keras
from fkeras import config


@pytest.fixture
def tiny():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(40, 3)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy")
    return model, x, y


def test_interactive_logging_goes_to_logger_when_disabled(tiny, caplog, capsys):
    model, x, y = tiny
    assert config.is_interactive_logging_enabled()
    config.disable_interactive_logging()
    try:
        assert not config.is_interactive_logging_enabled()
        with caplog.at_level(logging.INFO, logger="fkeras"):
            model.fit(x, y, epochs=1, batch_size=8, verbose=1)
    finally:
        config.enable_interactive_logging()
    assert "\r" not in capsys.readouterr().out
    messages = [r.getMessage() for r in caplog.records if r.name == "fkeras"]
    assert any("5/5" in m and "loss" in m for m in messages), messages


def test_interactive_logging_writes_stdout_by_default(tiny, capsys):
    model, x, y = tiny
    model.fit(x, y, epochs=1, batch_size=8, verbose=2)
    assert "loss" in capsys.readouterr().out


def test_traceback_filtering_hides_fkeras_frames(tiny):
    model, _, _ = tiny
    assert config.is_traceback_filtering_enabled()
    with pytest.raises(ValueError) as info:
        model.predict(np.zeros((4, 7), "float32"), verbose=0)
    files = [f.filename for f in traceback.extract_tb(info.value.__traceback__)]
    internal = [f for f in files if "/fkeras/" in f and "traceback_utils" not in f]
    assert internal == [], internal
    config.disable_traceback_filtering()
    try:
        with pytest.raises(ValueError) as info:
            model.predict(np.zeros((4, 7), "float32"), verbose=0)
        files = [f.filename for f in traceback.extract_tb(info.value.__traceback__)]
        assert sum("/fkeras/" in f for f in files) > 2
    finally:
        config.enable_traceback_filtering()


def test_max_epochs_and_steps_cap_fit(tiny):
    model, x, y = tiny
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(3)
    seen = []
    cb = keras.callbacks.LambdaCallback(on_train_batch_end=lambda b, logs: seen.append(b))
    try:
        assert config.max_epochs() == 2 and config.max_steps_per_epoch() == 3
        with pytest.warns(UserWarning, match="Limiting epochs to 2"):
            with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
                hist = model.fit(x, y, epochs=10, batch_size=8, verbose=0, callbacks=[cb])
        assert len(hist.history["loss"]) == 2
        assert seen == [0, 1, 2, 0, 1, 2]
        with pytest.warns(UserWarning, match="Limiting steps_per_epoch to 3"):
            out = model.predict(x, batch_size=8, verbose=0)
        assert out.shape == (24, 1)  # three full batches of eight
    finally:
        config.set_max_epochs(None)
        config.set_max_steps_per_epoch(None)
    assert config.max_epochs() is None
    hist = model.fit(x, y, epochs=3, batch_size=8, verbose=0)
    assert len(hist.history["loss"]) == 3


def test_max_steps_cap_not_applied_when_data_is_shorter(tiny, recwarn):
    model, x, y = tiny
    config.set_max_steps_per_epoch(50)
    try:
        model.evaluate(x, y, batch_size=8, verbose=0)
    finally:
        config.set_max_steps_per_epoch(None)
    assert not [w for w in recwarn if "Limiting" in str(w.message)]


@pytest.mark.parametrize("bad", [0, -1, 1.5, "3"])
def test_limits_refuse_bad_values(bad):
    with pytest.raises((ValueError, TypeError), match="max_epochs"):
        config.set_max_epochs(bad)


def test_flash_attention_switch():
    q = np.random.default_rng(0).normal(size=(1, 4, 2, 8)).astype("float32")
    assert config.is_flash_attention_enabled() is None
    config.enable_flash_attention()
    try:
        assert config.is_flash_attention_enabled() is True
        import jax

        if jax.default_backend() != "gpu":
            with pytest.raises(ValueError, match="flash_attention=True needs a GPU"):
                keras.ops.dot_product_attention(q, q, q)
        # an explicit False overrides the global switch
        out = keras.ops.dot_product_attention(q, q, q, flash_attention=False)
        assert out.shape == q.shape
    finally:
        config.disable_flash_attention()
    assert config.is_flash_attention_enabled() is False
    out = np.asarray(keras.ops.dot_product_attention(q, q, q))
    logits = np.einsum("btnh,bsnh->bnts", q, q) / np.sqrt(8)
    p = np.exp(logits - logits.max(-1, keepdims=True))
    p /= p.sum(-1, keepdims=True)
    np.testing.assert_allclose(out, np.einsum("bnts,bsnh->btnh", p, q), rtol=1e-5, atol=1e-6)
    config._FLASH_ATTENTION[0] = None  # back to the default


def test_set_backend_and_nnx():
    config.set_backend("jax")
    with pytest.raises(ValueError, match="JAX only"):
        config.set_backend("torch")
    assert config.is_nnx_enabled() is False
