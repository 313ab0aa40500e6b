"""DataParallel(implementation="pmap") — one program per device with explicit collectives — agrees
with the sharded implementation (and with one device). Runs on 4 forced CPU devices in a subprocess."""
import json
import os
import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(r'''
    import os, json
    # appended: the flags inherited from the test run stay (the last device count given wins)
    os.environ["XLA_FLAGS"] = os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=4"
    import numpy as np, jax
    import fkeras as keras
    from fkeras import layers
    out = {}
    r = np.random.default_rng(0)
    # 50 rows at batch 16: the last batch is padded and masked (2 real rows, all on device 0).
    x = r.normal(size=(50, 6)).astype("float32")
    y = (x[:, 0] + x[:, 1] > 0).astype("int32")
    xv = r.normal(size=(20, 6)).astype("float32")
    yv = (xv[:, 0] > 0).astype("int32")
    sw = r.uniform(0.5, 1.5, size=50).astype("float32")

    class BatchRows(layers.Layer):
        """Identity that records the batch size each trace sees (global or per device)."""
        seen = []
        def call(self, inputs):
            BatchRows.seen.append(int(inputs.shape[0]))
            return inputs

    def run(impl):
        keras.utils.set_random_seed(1)
        keras.distribution.set_distribution(
            None if impl is None else keras.distribution.DataParallel(implementation=impl))
        BatchRows.seen = []
        m = keras.Sequential([keras.Input((6,)), layers.Dense(8, activity_regularizer="l2"),
                              layers.BatchNormalization(), BatchRows(), layers.Activation("relu"),
                              layers.Dense(1, activation="sigmoid", kernel_regularizer="l2")])
        m.compile(keras.optimizers.Adam(0.01), "binary_crossentropy",
                  metrics=["accuracy", keras.metrics.AUC(name="auc")], weighted_metrics=["accuracy"])
        h = m.fit(x, y, sample_weight=sw, batch_size=16, epochs=3,
                  validation_data=(xv, yv), verbose=0)
        ev = m.evaluate(xv, yv, batch_size=8, verbose=0, return_dict=True)
        # 6 rows: the batch (clipped to 6) is rounded up to 8 over 4 devices, 2 rows masked out
        ev_small = m.evaluate(xv[:6], yv[:6], verbose=0, return_dict=True)
        pred = m.predict(xv, batch_size=8, verbose=0)
        tob = m.train_on_batch(x[:8], y[:8], return_dict=True)
        state_on = len(m.layers[0].kernel.value.sharding.device_set)
        keras.distribution.set_distribution(None)
        return dict(history=h.history, eval=ev, eval_small=ev_small, pred=pred.tolist(),
                    weights=[w.tolist() for w in m.get_weights()], tob=tob,
                    rows=sorted(set(BatchRows.seen)), devices=state_on)

    for impl in (None, "sharded", "pmap"):
        out[str(impl)] = run(impl)

    # Dropout: each device draws its own mask (identical rows on different devices differ).
    class KeepPred(keras.metrics.Metric):
        def __init__(self, **kw):
            super().__init__(name="keep", **kw)
            self.last = self.add_variable(shape=(16, 32), initializer="zeros", name="last")
        def update_state(self, y_true, y_pred, sample_weight=None):
            self.last.assign(y_pred)
        def result(self):
            return self.last[0, 0]

    masks = {}
    for impl in ("sharded", "pmap"):
        keras.utils.set_random_seed(3)
        keras.distribution.set_distribution(keras.distribution.DataParallel(implementation=impl))
        m = keras.Sequential([keras.Input((32,)), layers.Dropout(0.5)])
        keep = KeepPred()
        m.compile("sgd", "mse", metrics=[keep])
        m.train_on_batch(np.ones((16, 32), "float32"), np.zeros((16, 32), "float32"))
        last = np.asarray(keep.last.value)
        masks[impl] = [(last[i] > 0).astype(int).tolist() for i in (0, 4, 8, 12)]  # row 0 of each device
    keras.distribution.set_distribution(None)
    out["masks"] = masks

    try:
        keras.distribution.DataParallel(implementation="vmap")
        out["bad_impl"] = "no error"
    except ValueError as e:
        out["bad_impl"] = str(e)
    print("RESULT" + json.dumps(out))
''')


@pytest.fixture(scope="module")
def result():
    env = dict(os.environ, JAX_PLATFORMS="cpu")
    proc = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    line = [l for l in proc.stdout.splitlines() if l.startswith("RESULT")][-1]
    return json.loads(line[len("RESULT"):])


def _max_diff(a, b):
    import numpy as np

    return float(np.max(np.abs(np.asarray(a, dtype=float) - np.asarray(b, dtype=float))))


def test_pmap_runs_one_program_per_device(result):
    # The sharded step traces the global batch of 16 (8 in evaluate/predict); the per-replica one
    # sees a quarter of it on each device.
    assert max(result["sharded"]["rows"]) == 16
    assert max(result["pmap"]["rows"]) == 4 and 16 not in result["pmap"]["rows"]
    assert result["pmap"]["devices"] == 4 and result["sharded"]["devices"] == 4


@pytest.mark.parametrize("other", ["None", "pmap"])
def test_fit_history_agrees_with_sharded(result, other):
    ref, got = result["sharded"]["history"], result[other]["history"]
    assert set(ref) == set(got) == {"loss", "accuracy", "weighted_accuracy", "auc", "val_loss",
                                    "val_accuracy", "val_weighted_accuracy", "val_auc"}
    for k in ref:
        assert _max_diff(ref[k], got[k]) < 1e-5, k


@pytest.mark.parametrize("other", ["None", "pmap"])
def test_weights_evaluate_predict_agree(result, other):
    ref, got = result["sharded"], result[other]
    for a, b in zip(ref["weights"], got["weights"]):
        assert _max_diff(a, b) < 1e-5
    for k in ref["eval"]:
        assert abs(ref["eval"][k] - got["eval"][k]) < 1e-5, k
        assert abs(ref["eval_small"][k] - got["eval_small"][k]) < 1e-5, k
    for k in ref["tob"]:
        assert abs(ref["tob"][k] - got["tob"][k]) < 1e-5, k
    assert _max_diff(ref["pred"], got["pred"]) < 1e-5


def test_dropout_masks_differ_across_devices(result):
    for impl in ("sharded", "pmap"):
        rows = result["masks"][impl]
        assert len({tuple(r) for r in rows}) == 4, impl
        assert all(0 < sum(r) < 32 for r in rows)


def test_unknown_implementation_is_an_error(result):
    assert "implementation" in result["bad_impl"] and "'vmap'" in result["bad_impl"]
