"""Hyperparameter search with ``fkeras.tuner`` (keras_tuner's API on optuna), on scikit-learn's digits.

Searches the number and width of the hidden layers, dropout (only when enabled: a conditional
hyperparameter) and a log-scaled learning rate; then rebuilds the best model, trains it on the
training + validation data and reports test accuracy. Run it twice: the second run resumes the
stored search in ``tuner_results/digits`` and runs only the trials still missing.

    pip install optuna scikit-learn && python examples/tuning.py [--tuner hyperband] [--trials 8]
"""
from __future__ import annotations

import argparse

import numpy as np

import fkeras as keras
from fkeras import layers, tuner as kt


def load_digits_split(seed=0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    x, y = load_digits(return_X_y=True)
    x = (x / 16.0).astype("float32")
    y = y.astype("int32")
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)
    x_train, x_val, y_train, y_val = train_test_split(x_train, y_train, test_size=0.2, random_state=seed,
                                                      stratify=y_train)
    return (x_train, y_train), (x_val, y_val), (x_test, y_test)


def build_model(hp):
    model = keras.Sequential([keras.Input(shape=(64,))])
    for i in range(hp.Int("num_layers", 1, 2)):
        model.add(layers.Dense(hp.Int(f"units_{i}", 16, 128, step=16), activation=hp.Choice("activation",
                                                                                          ["relu", "tanh"])))
    if hp.Boolean("dropout"):
        with hp.conditional_scope("dropout", [True]):
            model.add(layers.Dropout(hp.Float("rate", 0.1, 0.5, step=0.1)))
    model.add(layers.Dense(10, activation="softmax"))
    learning_rate = hp.Float("learning_rate", 1e-4, 1e-1, sampling="log")
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def make_tuner(kind, max_trials, epochs, directory, overwrite=False):
    common = dict(objective="val_accuracy", directory=directory, project_name=f"digits_{kind}", seed=0,
                  overwrite=overwrite)
    if kind == "random":
        return kt.RandomSearch(build_model, max_trials=max_trials, **common)
    if kind == "bayesian":
        return kt.BayesianOptimization(build_model, max_trials=max_trials, num_initial_points=3, **common)
    if kind == "hyperband":
        return kt.Hyperband(build_model, max_epochs=epochs, factor=3, max_trials=max_trials, **common)
    raise ValueError(f"--tuner must be random, bayesian or hyperband; received {kind!r}")


def main(kind="random", max_trials=6, epochs=5, directory="tuner_results", overwrite=False, verbose=1):
    keras.utils.set_random_seed(0)
    (x_train, y_train), (x_val, y_val), (x_test, y_test) = load_digits_split()
    tuner = make_tuner(kind, max_trials, epochs, directory, overwrite=overwrite)
    tuner.search_space_summary()
    tuner.search(x_train, y_train, epochs=epochs, batch_size=64, validation_data=(x_val, y_val),
                 callbacks=[keras.callbacks.EarlyStopping(monitor="val_loss", patience=2)], verbose=0)
    tuner.results_summary(num_trials=3)

    best_hp = tuner.get_best_hyperparameters(1)[0]
    print("\nbest hyperparameters:", best_hp.values)
    best_model = tuner.get_best_models(1)[0]  # the best trial's model, with its best epoch's weights
    _, tuned_acc = best_model.evaluate(x_test, y_test, verbose=0)
    # Retrain the best configuration from scratch on training + validation data.
    model = tuner.hypermodel.build(best_hp)
    model.fit(np.concatenate([x_train, x_val]), np.concatenate([y_train, y_val]), epochs=epochs, batch_size=64,
              verbose=0)
    _, test_acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy: best trial's model {tuned_acc:.3f}, retrained on train+val {test_acc:.3f}")
    return tuner, test_acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tuner", default="random", choices=["random", "bayesian", "hyperband"])
    parser.add_argument("--trials", type=int, default=6)
    parser.add_argument("--epochs", type=int, default=5)
    parser.add_argument("--directory", default="tuner_results")
    parser.add_argument("--overwrite", action="store_true")
    args = parser.parse_args()
    main(args.tuner, args.trials, args.epochs, args.directory, args.overwrite)
