"""benchmarks/run.py: the option parsing, the device probe, one tiny end-to-end run with a
mixed policy on forced CPU devices, and tiny input_bound runs (float32 and uint8 images, fit and
the resident step); every measurement runs in its own subprocess."""
import json
import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, REPO)

from benchmarks import run as bench  # noqa: E402


def test_per_workload_specs():
    assert bench._parse_steps("cnn=256", "batch") == {"cnn": 256}
    assert bench._parse_steps("8")["mlp"] == 8
    with pytest.raises(SystemExit, match="--batch: unknown workload"):
        bench._parse_steps("resnet=2", "batch")
    assert bench._parse_steps("input_bound=2", "epochs") == {"input_bound": 2}


def test_uint8_only_for_image_workloads():
    with pytest.raises(SystemExit, match="only the image workloads"):
        bench.main(["--workloads", "cnn,input_bound", "--dtype", "uint8"])


def _fake_probe(monkeypatch, backend, count):
    names = [f"{backend}:{i}" for i in range(count)]

    def fake_run(cmd, **kw):
        return subprocess.CompletedProcess(cmd, 0, stdout=json.dumps([backend, count, names]) + "\n", stderr="")

    monkeypatch.setattr(bench.subprocess, "run", fake_run)


def test_probe_forces_host_devices_only_on_cpu(monkeypatch):
    _fake_probe(monkeypatch, "cpu", 1)
    assert bench.probe_devices(4)[0] == 4
    _fake_probe(monkeypatch, "cpu", 8)
    assert bench.probe_devices(4)[0] == 0  # enough real devices: nothing forced
    _fake_probe(monkeypatch, "gpu", 1)
    with pytest.raises(SystemExit, match="only used when the platform is CPU"):
        bench.probe_devices(2)


def _run(tmp_path, *argv):
    out = tmp_path / "run.jsonl"
    env = dict(os.environ)
    env.pop("XLA_FLAGS", None)
    env["JAX_PLATFORMS"] = "cpu"
    p = subprocess.run([sys.executable, "-m", "benchmarks.run", *argv, "--json-out", str(out), "--quiet"],
                       cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    recs = [json.loads(line) for line in out.read_text().splitlines()]
    return p.stdout, {r["impl"]: r for r in recs if r["type"] == "run"}, recs


def test_mixed_float16_on_two_forced_devices(tmp_path):
    table, runs, recs = _run(tmp_path, "--workloads", "cnn", "--impls", "handwritten,fkeras_pmap", "--steps", "cnn=1",
                             "--warmup", "0", "--repeats", "1", "--batch", "cnn=8", "--devices", "2",
                             "--policy", "mixed_float16")
    assert recs[0]["type"] == "meta" and recs[0]["forced_host_devices"] == 2
    assert "Policy `mixed_float16`, devices 2" in table
    hw = runs["handwritten"]
    assert hw["status"] == "ok", hw
    assert (hw["policy"], hw["devices"], hw["jax_device_count"], hw["batch"]) == ("mixed_float16", 2, 2, 8)
    assert hw["compute_dtype"] == "float16" and hw["final_loss_scale"] == 2.0**15
    pm = runs["fkeras_pmap"]
    assert pm["status"] in ("ok", "skipped"), pm  # skipped: DataParallel has no implementation="pmap"
    if pm["status"] == "ok":
        assert pm["optimizer"] == "LossScaleOptimizer" and pm["distribution"].startswith("DataParallel(pmap")


def test_fkeras_pmap_needs_several_devices(tmp_path):
    _, runs, recs = _run(tmp_path, "--workloads", "mlp", "--impls", "fkeras_pmap", "--steps", "mlp=1", "--repeats", "1")
    assert runs["fkeras_pmap"]["status"] == "skipped"
    assert [r["devices"] for r in recs if r["type"] in ("run", "summary")] == [1, 1]



def test_input_bound_resident_float32_and_fit_uint8(tmp_path):
    # two children only (CI has 2 cores): the resident step on float32 images, fit on uint8 images
    tiny = ["--workloads", "input_bound", "--batch", "input_bound=4", "--steps", "input_bound=2", "--epochs", "1",
            "--warmup", "1", "--repeats", "1"]
    _, runs, recs = _run(tmp_path, *tiny, "--impls", "fkeras_resident")
    assert recs[0]["dtype"] == "float32" and recs[0]["epochs"] == {"input_bound": 1}
    r = runs["fkeras_resident"]
    assert r["status"] == "ok", r
    assert (r["dtype"], r["batch"], r["steps"], r["epochs"], r["timed_steps"]) == ("float32", 4, 2, 1, 2)
    assert r["optimizer"] == "optax.adam" and r["n_trainable"] == 2
    table, runs, recs = _run(tmp_path, *tiny, "--impls", "fkeras", "--dtype", "uint8")
    assert "uint8 images" in table
    r = runs["fkeras"]
    assert r["status"] == "ok", r
    assert r["dtype"] == "uint8" and r["data_mb"] < 1.2  # 8 images of 224x224x3 bytes
    assert all(rec["dtype"] == "uint8" for rec in recs)


def test_resident_ratio_columns():
    summary = {("input_bound", i): dict(n_ok=1, n=1, samples_per_s=v, samples_per_s_min=v, samples_per_s_max=v,
                                         ms_per_step=1.0, time_to_first_step_s=1.0, peak_rss_mb=1.0,
                                         rss_over_data_mb=1.0)
               for i, v in (("fkeras", 50.0), ("fkeras_resident", 100.0), ("keras3", 25.0), ("keras3_resident", 100.0))}
    impls = ["keras3", "fkeras", "fkeras_resident", "keras3_resident"]
    table = bench.markdown_table(summary, ["input_bound"], impls, header_note=", uint8 images")
    assert "Policy `float32`, devices 1, uint8 images:" in table
    head = next(line for line in table.splitlines() if "fkeras/fkeras_resident samples/s" in line).split(" | ")
    row = table.splitlines()[-3].split(" | ")  # the ratio row (a note follows it)
    assert row[head.index("fkeras/fkeras_resident samples/s")] == "0.50×"
    assert row[head.index("keras3/keras3_resident samples/s")] == "0.25×"
