"""fkeras.tuner.HyperParameters: defaults, validation, conditional scopes, and sampling through optuna."""
import math

import numpy as np
import pytest

optuna = pytest.importorskip("optuna")

from fkeras.tuner import hyperparameters as hp_module  # noqa: E402
from fkeras.tuner.hyperparameters import HyperParameters  # noqa: E402

optuna.logging.set_verbosity(optuna.logging.WARNING)


def _draws(declare, n=300, seed=0):
    """Values ``declare(hp)`` returns in ``n`` trials of a seeded random-sampling study."""
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=seed))
    out = []
    for _ in range(n):
        trial = study.ask()
        hp = HyperParameters()
        hp._trial = trial
        out.append(declare(hp))
        study.tell(trial, 0.0)
    return out


def test_defaults_outside_a_search():
    hp = HyperParameters()
    assert hp.Int("units", 32, 512, step=32) == 32
    assert hp.Float("lr", 1e-4, 1e-2, sampling="log") == pytest.approx(1e-4)
    assert hp.Float("dropout", 0.0, 0.5, default=0.25) == 0.25
    assert hp.Choice("act", ["relu", "tanh"]) == "relu"
    assert hp.Boolean("bn") is False
    assert hp.Fixed("batch", 64) == 64
    assert hp.values == {"units": 32, "lr": 1e-4, "dropout": 0.25, "act": "relu", "bn": False, "batch": 64}
    assert hp.get("units") == 32 and hp["act"] == "relu" and "bn" in hp and "nope" not in hp
    assert [type(h).__name__ for h in hp.space] == ["Int", "Float", "Float", "Choice", "Boolean", "Fixed"]
    # Declaring the same name again returns the value already chosen.
    assert hp.Int("units", 1, 4) == 32
    assert isinstance(hp.Int("n", 1.0, 3.0), int)


@pytest.mark.parametrize("call, error, match", [
    (lambda hp: hp.Int("units", 10, 5), ValueError, r"'units'.*min_value.*\(10\) must be <= `max_value` \(5\)"),
    (lambda hp: hp.Float("lr", 0.5, 0.1), ValueError, r"'lr'.*min_value"),
    (lambda hp: hp.Float("lr", 0.0, 1.0, sampling="log"), ValueError, r"log range cannot touch or cross zero"),
    (lambda hp: hp.Float("lr", -1.0, 1.0, sampling="log"), ValueError, r"min_value=-1.0"),
    (lambda hp: hp.Int("n", 0, 8, sampling="log"), ValueError, r"'n'.*positive"),
    (lambda hp: hp.Int("n", 1.5, 8), TypeError, r"must be an integer.*min_value=1.5"),
    (lambda hp: hp.Float("x", 0, float("inf")), TypeError, r"finite number"),
    (lambda hp: hp.Float("x", 0, 1, sampling="lgo"), ValueError, r"Did you mean 'log'"),
    (lambda hp: hp.Int("n", 1, 8, step=0), ValueError, r"`step` must be >= 1"),
    (lambda hp: hp.Int("n", 1, 8, step=1, sampling="log"), ValueError, r"multiplier"),
    (lambda hp: hp.Float("x", 0.0, 1.0, step=-0.1), ValueError, r"> 0"),
    (lambda hp: hp.Int("n", 1, 8, default=9), ValueError, r"outside"),
    (lambda hp: hp.Choice("c", []), ValueError, r"non-empty"),
    (lambda hp: hp.Choice("c", [1, "a"]), TypeError, r"same type"),
    (lambda hp: hp.Choice("c", [[1], [2]]), TypeError, r"int, float, str or bool"),
    (lambda hp: hp.Choice("c", [1, 2], default=3), ValueError, r"not one of"),
    (lambda hp: hp.Boolean("b", default="yes"), TypeError, r"True or False"),
    (lambda hp: hp.Int("", 1, 2), ValueError, r"non-empty string"),
    (lambda hp: hp.Int("child", 1, 2, parent_name="ghost", parent_values=[1]), ValueError, r"'ghost'"),
])
def test_bad_declarations(call, error, match):
    with pytest.raises(error, match=match):
        call(HyperParameters())


def test_get_unknown_name():
    hp = HyperParameters()
    hp.Int("units", 1, 4)
    with pytest.raises(KeyError, match="Did you mean 'units'"):
        hp.get("unitz")


def test_conditional_scopes():
    hp = HyperParameters()
    kind = hp.Choice("kind", ["mlp", "cnn"])
    assert kind == "mlp"
    with hp.conditional_scope("kind", "mlp"):
        assert hp.Int("units", 8, 16) == 8
        with hp.conditional_scope("units", [8]):
            assert hp.Boolean("deep", default=True) is True
    with hp.conditional_scope("kind", ["cnn"]):
        assert hp.Int("filters", 4, 8) is None
        with hp.conditional_scope("filters", [4]):  # parent inactive: inactive too
            assert hp.Int("kernel", 3, 5) is None
    assert hp.Int("dense", 1, 2, parent_name="kind", parent_values=["cnn"]) is None
    assert hp.values == {"kind": "mlp", "units": 8, "deep": True}
    assert hp.is_active("units") and not hp.is_active("filters")
    assert hp.get("filters") is None  # declared, inactive
    with pytest.raises(ValueError, match="'nothing'"):
        with hp.conditional_scope("nothing", [1]):
            pass


def test_int_sampling_grids():
    linear = _draws(lambda hp: hp.Int("u", 32, 130, step=32))
    assert set(linear) == {32, 64, 96, 128}
    geometric = _draws(lambda hp: hp.Int("u", 32, 256, step=2, sampling="log"))
    assert set(geometric) == {32, 64, 128, 256}
    plain = _draws(lambda hp: hp.Int("u", 1, 5))
    assert set(plain) == {1, 2, 3, 4, 5} and all(isinstance(v, int) for v in plain)


def test_float_log_sampling_is_uniform_in_log_space():
    n = 400
    lo, hi = 1e-5, 1e-1
    log_draws = np.array(_draws(lambda hp: hp.Float("lr", lo, hi, sampling="log"), n=n))
    assert log_draws.min() >= lo and log_draws.max() <= hi
    below = np.mean(log_draws < math.sqrt(lo * hi))  # the geometric midpoint splits log-uniform mass in half
    assert abs(below - 0.5) < 4 * math.sqrt(0.25 / n)
    # Each decade gets about a quarter of the draws.
    decades = np.histogram(np.log10(log_draws), bins=[-5, -4, -3, -2, -1])[0] / n
    np.testing.assert_allclose(decades, 0.25, atol=0.1)
    linear = np.array(_draws(lambda hp: hp.Float("lr", lo, hi), n=n))
    assert np.mean(linear < math.sqrt(lo * hi)) < 0.05  # linear sampling almost never goes that low
    rev = np.array(_draws(lambda hp: hp.Float("m", 0.9, 0.999, sampling="reverse_log"), n=n))
    assert rev.min() >= 0.9 and rev.max() <= 0.999
    assert np.mean(rev > 0.9495) > 0.5  # reverse_log crowds the top of the range


def test_float_step_and_choice_and_boolean():
    stepped = _draws(lambda hp: hp.Float("rate", 0.0, 0.5, step=0.1), n=200)
    np.testing.assert_allclose(sorted(set(stepped)), [0.0, 0.1, 0.2, 0.3, 0.4, 0.5])
    mult = _draws(lambda hp: hp.Float("lr", 1e-4, 1e-1, step=10, sampling="log"), n=100)
    np.testing.assert_allclose(sorted(set(mult)), [1e-4, 1e-3, 1e-2, 1e-1])
    assert set(_draws(lambda hp: hp.Choice("act", ["relu", "tanh", "gelu"]), n=100)) == {"relu", "tanh", "gelu"}
    assert set(_draws(lambda hp: hp.Boolean("bn"), n=50)) == {False, True}
    assert set(_draws(lambda hp: hp.Fixed("k", 7), n=5)) == {7}


def test_conditional_sampling_only_suggests_active_children():
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=1))
    seen = set()
    for _ in range(40):
        trial = study.ask()
        hp = HyperParameters()
        hp._trial = trial
        kind = hp.Choice("kind", ["mlp", "cnn"])
        with hp.conditional_scope("kind", "mlp"):
            units = hp.Int("units", 8, 64)
        with hp.conditional_scope("kind", "cnn"):
            filters = hp.Int("filters", 2, 4)
        assert (units is None) == (kind == "cnn") and (filters is None) == (kind == "mlp")
        assert set(trial.params) == ({"kind", "units"} if kind == "mlp" else {"kind", "filters"})
        assert set(hp.values) == set(trial.params)
        seen.add(kind)
        study.tell(trial, 0.0)
    assert seen == {"mlp", "cnn"}


def test_config_round_trip():
    hp = HyperParameters()
    hp.Int("units", 8, 64, step=8)
    hp.Float("lr", 1e-4, 1e-2, sampling="log")
    hp.Choice("act", ["relu", "tanh"])
    with hp.conditional_scope("act", "tanh"):
        hp.Boolean("extra")
    hp.Fixed("seed", 3)
    restored = HyperParameters.from_config(hp.get_config())
    assert restored.values == hp.values
    assert [h.get_config() for h in restored.space] == [h.get_config() for h in hp.space]
    assert restored.space[3].conditions == [("act", ["tanh"])]
    copy = hp.copy()
    copy.values["units"] = 16
    assert hp.values["units"] == 8
    assert hp_module.Int("u", 1, 3).get_config()["sampling"] == "linear"
