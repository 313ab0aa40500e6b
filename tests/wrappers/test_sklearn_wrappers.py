"""keras.wrappers: scikit-learn estimators around fkeras models (fit/predict, target encoding, the
estimator protocol: clone, get/set_params, tags, Pipeline, cross_val_score), the optional import,
and parity with Keras 3's wrappers."""
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

sklearn = pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402

import fkeras as keras  # noqa: E402
from fkeras.wrappers import SKLearnClassifier, SKLearnRegressor, SKLearnTransformer, _sklearn_utils  # noqa: E402

QUIET = {"verbose": 0}


def mlp(X, y, hidden=8, lr=0.05, loss="categorical_crossentropy", activation="softmax"):
    """A model-building function sized from the data, as the wrappers call it."""
    inputs = keras.Input((X.shape[1],))
    h = keras.layers.Dense(hidden, activation="relu")(inputs)
    outputs = keras.layers.Dense(y.shape[1], activation=activation)(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss=loss)
    return model


def linear(X, y, lr=0.1):
    model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(y.shape[1])])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss="mse")
    return model


def blobs(n=40, n_classes=3, seed=0):
    """Well separated classes: each class's features sit around its own centre."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % n_classes
    centres = rng.normal(scale=4.0, size=(n_classes, 4))
    X = centres[y] + rng.normal(scale=0.3, size=(n, 4))
    return X.astype("float32"), y


SEEN = {}


def spy_mlp(X, y, **kwargs):
    """``mlp``, recording what the wrapper hands to the model-building function."""
    SEEN.update(X=X, y=y, kwargs=kwargs)
    return mlp(X, y, **kwargs)


@pytest.fixture(scope="module")
def fitted_classifier():
    keras.utils.set_random_seed(0)
    X, y = blobs()
    names = np.array(["emu", "cat", "dog"])[y]
    clf = SKLearnClassifier(spy_mlp, model_kwargs={"hidden": 16},
                            fit_kwargs={"epochs": 40, "batch_size": 8, **QUIET})
    clf.fit(X, names, epochs=30)  # the fit() keyword overrides fit_kwargs' 40
    return clf, X, names


def test_classifier_string_labels_classes_and_predictions(fitted_classifier):
    clf, X, names = fitted_classifier
    np.testing.assert_array_equal(clf.classes_, ["cat", "dog", "emu"])
    assert clf.n_features_in_ == 4
    assert isinstance(clf.model_, keras.Model)
    assert clf.epoch_ == 30 and len(clf.history_.history["loss"]) == 30
    assert clf.fit_kwargs == {"epochs": 40, "batch_size": 8, "verbose": 0}  # not mutated by fit(epochs=30)
    scores = clf.decision_function(X)
    assert scores.shape == (40, 3)
    pred = clf.predict(X)
    assert pred.shape == (40,)
    np.testing.assert_array_equal(pred, clf.classes_[np.argmax(scores, axis=1)])
    assert set(pred) <= {"cat", "dog", "emu"}
    # well separated blobs: it has really learnt the labels, and score() is accuracy
    assert np.mean(pred == names) >= 0.9
    assert clf.score(X, names) == pytest.approx(np.mean(pred == names))


def test_classifier_trains_on_one_hot_columns_in_classes_order(fitted_classifier):
    clf, X, names = fitted_classifier
    expected = np.zeros((40, 3), "float32")
    expected[np.arange(40), np.searchsorted(["cat", "dog", "emu"], names)] = 1  # columns in classes_ order
    np.testing.assert_array_equal(SEEN["y"], expected)
    np.testing.assert_array_equal(SEEN["X"], X)
    assert SEEN["kwargs"] == {"hidden": 16}


def test_classifier_target_errors():
    X, _ = blobs(n=10)
    clf = SKLearnClassifier(mlp)
    with pytest.raises(ValueError, match="binary and multiclass"):
        clf.fit(X, np.linspace(0, 1, 10))  # continuous
    with pytest.raises(ValueError, match="at least 2 classes"):
        clf.fit(X, np.zeros(10, int))
    with pytest.raises(NotFittedError):
        clf.predict(X)


def test_pickle_round_trip_of_fitted_estimator(fitted_classifier):
    clf, X, names = fitted_classifier
    restored = pickle.loads(pickle.dumps(clf))
    assert restored.model_ is not clf.model_ and isinstance(restored.model_, keras.Model)
    np.testing.assert_array_equal(restored.classes_, clf.classes_)
    np.testing.assert_allclose(restored.decision_function(X), clf.decision_function(X), rtol=1e-6, atol=1e-7)
    assert restored.history_.history["loss"] == clf.history_.history["loss"] and restored.epoch_ == 30
    assert restored.get_params().keys() == clf.get_params().keys()
    assert restored.model_.compiled  # compile config and optimizer state travel with it: warm starts can go on


def test_predict_checks_feature_count(fitted_classifier):
    clf, X, _ = fitted_classifier
    with pytest.raises(ValueError, match="features"):
        clf.predict(X[:, :3])


def test_regressor_fits_a_linear_function():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(1)
    X = rng.normal(size=(40, 3)).astype("float32")
    y = X @ np.array([1.5, -2.0, 0.5]) + 0.3
    reg = SKLearnRegressor(linear, fit_kwargs={"epochs": 150, "batch_size": 40, **QUIET})
    reg.fit(X, y)
    pred = reg.predict(X)
    assert pred.shape == (40,)  # a 1-D target gives 1-D predictions
    r2 = 1 - np.sum((y - pred) ** 2) / np.sum((y - y.mean()) ** 2)
    assert r2 > 0.95
    assert reg.score(X, y) == pytest.approx(r2, rel=1e-5)


def test_transformer_returns_model_outputs_for_multi_column_target():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(2)
    X = rng.normal(size=(20, 5)).astype("float32")
    codes = X[:, :2] * 2.0  # a 2-column target: the "encoder" learns to output 2 features
    trs = SKLearnTransformer(linear, fit_kwargs={"epochs": 2, **QUIET})
    out = trs.fit_transform(X, codes)
    assert out.shape == (20, 2)
    np.testing.assert_allclose(out, trs.model_.predict(X, verbose=0), rtol=1e-6)
    np.testing.assert_allclose(trs.transform(X[:3]), out[:3], rtol=1e-5, atol=1e-6)
    assert trs.n_features_in_ == 5


def test_model_instance_is_cloned_unless_warm_start():
    keras.utils.set_random_seed(0)
    X, y = blobs(n=16)
    Y = np.eye(3, dtype="float32")[y]
    given = mlp(X, Y)
    before = [w.copy() for w in given.get_weights()]
    clf = SKLearnClassifier(given, fit_kwargs={"epochs": 1, **QUIET}).fit(X, y)
    assert clf.model_ is not given and clf.model_.compiled
    # the given model is untouched
    assert all(np.array_equal(a, b) for a, b in zip(before, given.get_weights(), strict=True))
    first = clf.model_
    trained = [w.copy() for w in first.get_weights()]
    clf.set_params(warm_start=True).fit(X, y, epochs=2)
    assert clf.model_ is first  # kept training the same model
    assert clf.epoch_ == 3
    assert not all(np.array_equal(a, b) for a, b in zip(trained, first.get_weights(), strict=True))


def test_model_errors():
    X, y = blobs(n=10)

    def uncompiled(X, y):
        return keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(y.shape[1])])

    with pytest.raises(RuntimeError, match="compiled"):
        SKLearnClassifier(uncompiled).fit(X, y)
    with pytest.raises(TypeError, match="must return a keras.Model"):
        SKLearnRegressor(lambda X, y: "not a model").fit(X, y.astype(float))
    with pytest.raises(TypeError, match="`model` must be"):
        SKLearnRegressor(model=3).fit(X, y.astype(float))


def test_get_set_params_and_clone():
    clf = SKLearnClassifier(mlp, model_kwargs={"hidden": 4}, fit_kwargs={"epochs": 3})
    params = clf.get_params()
    assert params == {"model": mlp, "warm_start": False, "model_kwargs": {"hidden": 4}, "fit_kwargs": {"epochs": 3}}
    assert clf.set_params(warm_start=True, model_kwargs={"hidden": 9}) is clf
    assert clf.get_params()["model_kwargs"] == {"hidden": 9} and clf.warm_start is True
    clf.set_params(**params)
    assert clf.get_params() == params
    twin = clone(clf)
    assert type(twin) is SKLearnClassifier and twin is not clf
    assert twin.get_params() == params
    assert twin.model is mlp
    assert twin.model_kwargs is not clf.model_kwargs and twin.fit_kwargs is not clf.fit_kwargs  # copies
    with pytest.raises(ValueError, match="Invalid parameter"):
        clf.set_params(epochs=3)


def test_clone_of_fitted_estimator_is_unfitted(fitted_classifier):
    clf, X, _ = fitted_classifier
    twin = clone(clf)
    assert not hasattr(twin, "model_") and not hasattr(twin, "classes_")
    with pytest.raises(NotFittedError):
        twin.predict(X)
    model = clf.model_
    assert clone(SKLearnRegressor(model)).model is model  # a Model is passed by reference, not deep-copied


def test_tags():
    from sklearn.base import is_classifier, is_regressor
    from sklearn.utils import get_tags

    clf, reg, trs = SKLearnClassifier(mlp), SKLearnRegressor(linear), SKLearnTransformer(linear)
    assert is_classifier(clf) and is_regressor(reg) and not is_classifier(trs)
    assert get_tags(clf).non_deterministic and get_tags(clf).classifier_tags.poor_score
    assert get_tags(reg).regressor_tags.poor_score and get_tags(reg).non_deterministic
    assert get_tags(trs).transformer_tags.preserves_dtype == []


def test_set_fit_request_needs_routing_and_survives_clone():
    clf = SKLearnClassifier(mlp)
    with pytest.raises(RuntimeError, match="enable_metadata_routing"):
        clf.set_fit_request(sample_weight=True)
    with sklearn.config_context(enable_metadata_routing=True):
        assert clf.set_fit_request(sample_weight=True) is clf
        assert clf.get_metadata_routing().fit.requests == {"sample_weight": True}
        assert clone(clf).get_metadata_routing().fit.requests == {"sample_weight": True}


def test_pipeline_with_scaler_in_cross_val_score():
    keras.utils.set_random_seed(0)
    X, y = blobs(n=40, n_classes=2)
    X = X * 50.0 + 100.0  # badly scaled: the scaler matters
    pipe = Pipeline([("scale", StandardScaler()),
                     ("clf", SKLearnClassifier(mlp, fit_kwargs={"epochs": 20, "batch_size": 10, **QUIET}))])
    scores = cross_val_score(pipe, X, y, cv=2)
    assert scores.shape == (2,)
    assert np.all(scores >= 0.8)  # held-out accuracy on separable blobs, through the scaler
    assert not hasattr(pipe.named_steps["clf"], "model_")  # cross-validation fits clones


def test_target_reshaper_and_label_encoder():
    r = _sklearn_utils.TargetReshaper().fit(np.zeros(4))
    assert r.transform(np.arange(4)).shape == (4, 1)
    np.testing.assert_array_equal(r.inverse_transform(np.arange(4).reshape(4, 1)), np.arange(4))
    r2 = _sklearn_utils.TargetReshaper().fit(np.zeros((4, 2)))
    assert r2.inverse_transform(np.zeros((4, 1))).shape == (4, 1)
    enc = _sklearn_utils.LabelOneHotEncoder().fit(np.array(["b", "a", "b"]))
    np.testing.assert_array_equal(enc.transform(np.array(["a", "b"])), [[1, 0], [0, 1]])
    np.testing.assert_array_equal(enc.inverse_transform([[0.2, 0.8], [0.9, 0.1]]), ["b", "a"])
    with pytest.raises(ValueError, match="not fitted on"):
        enc.transform(np.array(["c"]))
    with pytest.raises(ValueError, match="one column per class"):
        enc.inverse_transform(np.zeros((2, 3)))


def test_missing_sklearn_gives_clear_import_error(monkeypatch):
    monkeypatch.setattr(_sklearn_utils, "sklearn", None)
    for cls in (SKLearnClassifier, SKLearnRegressor, SKLearnTransformer):
        with pytest.raises(ImportError, match="pip install scikit-learn"):
            cls(mlp)


def test_import_fkeras_does_not_import_sklearn_and_works_without_it():
    code = textwrap.dedent("""
        import sys
        import fkeras
        assert "sklearn" not in sys.modules and "matplotlib" not in sys.modules
        sys.modules["sklearn"] = None  # as if scikit-learn were not installed
        from fkeras.wrappers import SKLearnClassifier
        try:
            SKLearnClassifier(model=None)
        except ImportError as err:
            assert "pip install scikit-learn" in str(err), err
        else:
            raise AssertionError("no ImportError")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0 and "ok" in out.stdout, out.stderr[-2000:]


def test_parity_with_keras_wrapper():
    """Same weights, a zero learning rate: Keras 3's SKLearnClassifier and ours encode the labels in
    the same column order and decode the same predictions."""
    K = pytest.importorskip("keras")
    from keras.wrappers import SKLearnClassifier as KerasClassifier

    X, y = blobs(n=12)
    labels = np.array(["x", "a", "m"])[y]
    rng = np.random.default_rng(3)
    weights = [rng.normal(size=(4, 5)).astype("float32"), rng.normal(size=(5,)).astype("float32"),
               rng.normal(size=(5, 3)).astype("float32"), rng.normal(size=(3,)).astype("float32")]

    def builder(lib):
        def build(X, y):
            inputs = lib.Input((X.shape[1],))
            h = lib.layers.Dense(5, activation="relu")(inputs)
            model = lib.Model(inputs, lib.layers.Dense(y.shape[1], activation="softmax")(h))
            model.set_weights(weights)
            model.compile(optimizer=lib.optimizers.SGD(learning_rate=0.0), loss="categorical_crossentropy")
            return model
        return build

    ours = SKLearnClassifier(builder(keras), fit_kwargs={"epochs": 1, **QUIET}).fit(X, labels)
    theirs = KerasClassifier(builder(K), fit_kwargs={"epochs": 1, "verbose": 0}).fit(X, labels)
    np.testing.assert_array_equal(ours.classes_, theirs.classes_)
    assert ours.get_params().keys() == theirs.get_params().keys()
    np.testing.assert_allclose(ours.decision_function(X), theirs.decision_function(X), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours.predict(X), theirs.predict(X))
    assert ours.n_features_in_ == theirs.n_features_in_
