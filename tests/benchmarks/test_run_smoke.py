"""benchmarks/run.py: the option parsing, the device probe, and one tiny end-to-end run with a
mixed policy on forced CPU devices (every measurement runs in its own subprocess)."""
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
