"""examples/tuning.py runs end to end on scikit-learn's digits, and a second run resumes the stored search."""
import importlib.util
import os

import pytest

pytest.importorskip("optuna")
pytest.importorskip("sklearn")

EXAMPLE = os.path.join(os.path.dirname(__file__), "..", "..", "examples", "tuning.py")


@pytest.mark.slow
def test_tuning_example_runs_and_resumes(tmp_path, capsys):
    spec = importlib.util.spec_from_file_location("tuning_example", EXAMPLE)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    tuner, accuracy = example.main("random", max_trials=1, epochs=2, directory=str(tmp_path))
    assert accuracy > 0.3  # 10 classes: chance is 0.1
    assert len(tuner.study.trials) == 1
    out = capsys.readouterr().out
    assert "Results summary" in out and "best hyperparameters" in out
    again = example.make_tuner("random", max_trials=1, epochs=2, directory=str(tmp_path))
    assert again.remaining_trials == 0  # a second run resumes the stored search: nothing left to run
    assert "Reloading the search" in capsys.readouterr().out
