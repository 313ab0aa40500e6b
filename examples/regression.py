"""Dense regression with early stopping (scikit-learn's diabetes data), and a two-input
Functional model built with ``layers.concatenate``.

    pip install -e ".[examples]" && python examples/regression.py
"""
from __future__ import annotations

import numpy as np

import fkeras as keras
from fkeras import layers


def load():
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split
    from sklearn.preprocessing import StandardScaler

    x, y = load_diabetes(return_X_y=True)
    x_train, x_test, y_train, y_test = train_test_split(x.astype("float32"), y.astype("float32"), test_size=0.2,
                                                        random_state=0)
    scaler = StandardScaler().fit(x_train)
    y_mean, y_std = y_train.mean(), y_train.std()
    return (scaler.transform(x_train).astype("float32"), ((y_train - y_mean) / y_std).astype("float32"),
            scaler.transform(x_test).astype("float32"), ((y_test - y_mean) / y_std).astype("float32"), y_std)


def dense_regression(x_train, y_train, x_test, y_test, y_std):
    model = keras.Sequential([
        layers.Dense(64, activation="relu", input_shape=(x_train.shape[1],)),
        layers.Dense(32, activation="relu"),
        layers.Dense(1),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="mse", metrics=["mae"])
    early = keras.callbacks.EarlyStopping(monitor="val_loss", patience=10, restore_best_weights=True, verbose=1)
    history = model.fit(x_train, y_train, epochs=300, batch_size=32, validation_split=0.2, callbacks=[early],
                        verbose=0)
    loss, mae = model.evaluate(x_test, y_test, verbose=0)
    print(f"dense regression: stopped after {len(history.history['loss'])} epochs; "
          f"test MAE = {mae * y_std:.1f} (target units), test MSE (standardized) = {loss:.3f}")
    baseline = np.mean(np.abs(y_test - 0.0)) * y_std
    print(f"  (predicting the mean gives MAE {baseline:.1f})")
    return mae * y_std, baseline


def two_input_model(x_train, y_train, x_test, y_test, y_std):
    """The tutorial's two-input Functional model: one branch per feature group."""
    demo = keras.Input(shape=(4,), name="demographics")      # age, sex, bmi, blood pressure
    serum = keras.Input(shape=(6,), name="serum")            # six blood serum measurements
    a = layers.Dense(16, activation="relu")(demo)
    b = layers.Dense(16, activation="relu")(serum)
    merged = layers.concatenate([a, b])
    out = layers.Dense(1, name="progression")(merged)
    model = keras.Model(inputs=[demo, serum], outputs=out)
    model.summary()
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    split = lambda x: {"demographics": x[:, :4], "serum": x[:, 4:]}  # noqa: E731
    model.fit(split(x_train), y_train, epochs=200, batch_size=32, validation_split=0.2, verbose=0,
              callbacks=[keras.callbacks.EarlyStopping(patience=10, restore_best_weights=True)])
    _, mae = model.evaluate(split(x_test), y_test, verbose=0)
    print(f"two-input model: test MAE = {mae * y_std:.1f}")
    return mae * y_std


def main():
    keras.utils.set_random_seed(0)
    data = load()
    mae, baseline = dense_regression(*data)
    mae2 = two_input_model(*data)
    if not (mae < 0.85 * baseline and mae2 < 0.85 * baseline):
        raise SystemExit("regression did not beat the mean predictor by a clear margin")


if __name__ == "__main__":
    main()
