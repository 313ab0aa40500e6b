"""The classic Keras MNIST CNN, trained offline on scikit-learn's handwritten digits.

    pip install -e ".[examples]" && python examples/quickstart.py

The 8x8 digits are scaled to [0, 1] and zero-padded to 28x28x1 (MNIST's shape), so the
model below is exactly the one from the Keras examples. Prints the test accuracy and
saves the training curves to ``quickstart_curves.png``.
"""
from __future__ import annotations

import argparse
import time

import numpy as np

import fkeras as keras
from fkeras import layers


def load_digits_28x28(seed=0):
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    digits = load_digits()
    x = (digits.images / 16.0).astype("float32")
    x = np.pad(x, ((0, 0), (10, 10), (10, 10)))[..., None]  # (n, 28, 28, 1)
    y = digits.target.astype("int32")
    return train_test_split(x, y, test_size=0.2, random_state=seed, stratify=y)


def build_model(num_classes=10):
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Conv2D(64, kernel_size=(3, 3), activation="relu"),
        layers.MaxPooling2D(pool_size=(2, 2)),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(128, activation="relu"),
        layers.Dense(num_classes, activation="softmax"),
    ])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--plot", default="quickstart_curves.png")
    args = parser.parse_args()

    keras.utils.set_random_seed(42)
    x_train, x_test, y_train, y_test = load_digits_28x28()
    print(f"train: {x_train.shape}, test: {x_test.shape}")

    model = build_model()
    model.summary()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    t0 = time.time()
    history = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs, validation_split=0.1,
                        verbose=2)
    print(f"trained in {time.time() - t0:.1f}s")

    loss, acc = model.evaluate(x_test, y_test, verbose=0)
    print(f"Test loss: {loss:.4f}")
    print(f"Test accuracy: {acc:.4f}")

    if args.plot:
        try:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt
        except ImportError:
            print("matplotlib is not installed; skipping the plot (pip install -e '.[examples]').")
        else:
            fig, axes = plt.subplots(1, 2, figsize=(10, 4))
            for ax, key in zip(axes, ("loss", "accuracy")):
                ax.plot(history.history[key], label=f"train {key}")
                ax.plot(history.history[f"val_{key}"], label=f"validation {key}")
                ax.set_xlabel("epoch")
                ax.set_title(key)
                ax.legend()
            fig.tight_layout()
            fig.savefig(args.plot, dpi=100)
            print(f"saved training curves to {args.plot}")
    if acc < 0.95:
        raise SystemExit(f"test accuracy {acc:.4f} is below 0.95")


if __name__ == "__main__":
    main()
