"""Callbacks working together on scikit-learn's digits (offline, about ten seconds on a CPU).

- ``ModelCheckpoint`` keeps the best model (by validation accuracy) in ``best.keras``;
- ``EarlyStopping`` stops when validation loss stalls and restores the best weights;
- ``ReduceLROnPlateau`` lowers the learning rate on a plateau (no re-trace of the step);
- ``TensorBoard`` writes ``logs/train`` and ``logs/validation`` (``tensorboard --logdir logs``);
- a custom callback prints one line per epoch and records the learning rate.

Run with

    pip install -e ".[examples,tensorboard]" && python examples/callbacks.py [--out DIR] [--epochs N]
"""
from __future__ import annotations

import argparse
import os
import tempfile

import numpy as np

import fkeras as keras
from fkeras import layers


class EpochReport(keras.callbacks.Callback):
    """A custom callback: one line per epoch, and the learning rate it saw."""

    def __init__(self):
        super().__init__()
        self.learning_rates = []

    def on_epoch_end(self, epoch, logs=None):
        # ReduceLROnPlateau (earlier in the list) logged the rate this epoch trained with.
        lr = logs.get("learning_rate", self.model.optimizer.learning_rate)
        self.learning_rates.append(lr)
        print(f"epoch {epoch + 1:2d}  loss {logs['loss']:.4f}  val_loss {logs['val_loss']:.4f}  "
              f"val_accuracy {logs['val_accuracy']:.4f}  lr {lr:.2e}")


def load_digits():
    from sklearn.datasets import load_digits as sk_load_digits
    from sklearn.model_selection import train_test_split

    d = sk_load_digits()
    x = (d.data / 16.0).astype("float32")
    return train_test_split(x, d.target.astype("int32"), test_size=0.2, random_state=0, stratify=d.target)


def main(out, epochs):
    keras.utils.set_random_seed(0)
    x_train, x_test, y_train, y_test = load_digits()
    model = keras.Sequential([
        keras.Input(shape=(64,)),
        layers.Dense(64, activation="relu"),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(3e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])

    best_path = os.path.join(out, "best.keras")
    report = EpochReport()
    callbacks = [
        keras.callbacks.ModelCheckpoint(best_path, monitor="val_accuracy", mode="max", save_best_only=True),
        keras.callbacks.EarlyStopping(monitor="val_loss", patience=4, restore_best_weights=True),
        keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor=0.3, patience=2, min_lr=1e-5),
        keras.callbacks.TensorBoard(log_dir=os.path.join(out, "logs"), histogram_freq=1),
        report,
    ]
    history = model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_split=0.15,
                        callbacks=callbacks, verbose=0)

    best_epoch = int(np.argmax(history.history["val_accuracy"]))
    print(f"\nran {len(history.epoch)} epochs; best val_accuracy {history.history['val_accuracy'][best_epoch]:.4f} "
          f"at epoch {best_epoch + 1}; learning rates used: {sorted(set(report.learning_rates), reverse=True)}")
    print(f"train step traced {model.trace_counts} (once, whatever the learning-rate changes)")
    _, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy (EarlyStopping's restored weights): {acc:.4f}")
    best = keras.saving.load_model(best_path)
    _, best_acc = best.evaluate(x_test, y_test, verbose=0)
    print(f"test accuracy of {best_path}: {best_acc:.4f}")
    print(f"TensorBoard logs: tensorboard --logdir {os.path.join(out, 'logs')}")
    return acc


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=None, help="directory for the checkpoint and logs (default: a temp dir)")
    parser.add_argument("--epochs", type=int, default=30)
    args = parser.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="fkeras_callbacks_")
    main(out, args.epochs)
