"""Train a small CNN on an image folder with ImageDataGenerator augmentation.

Generates a toy dataset (circles vs. squares, 32x32 PNGs) in a temporary folder laid out as
``root/<class>/*.png``, streams it with ``flow_from_directory`` (rescale + random rotation, shifts,
zoom, flips; 20% held out with ``validation_split``) and fits a CNN on the iterators directly.

    python examples/image_folder.py [--epochs 6] [--per-class 80]
"""
import argparse
import os
import tempfile

import numpy as np

import fkeras as keras
from fkeras.preprocessing.image import ImageDataGenerator, save_img


def make_image_folder(root, per_class, size=32, seed=0):
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for cls in ("circle", "square"):
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        for k in range(per_class):
            img = rng.integers(0, 40, (size, size, 3)).astype(np.float32)  # dark noisy background
            cy, cx = rng.integers(10, size - 10, 2)
            r = rng.integers(5, 9)
            mask = ((yy - cy) ** 2 + (xx - cx) ** 2 <= r * r) if cls == "circle" else \
                ((abs(yy - cy) <= r) & (abs(xx - cx) <= r))
            img[mask] = rng.integers(150, 256, 3)
            save_img(os.path.join(root, cls, f"{k:03d}.png"), img, scale=False)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=6)
    parser.add_argument("--per-class", type=int, default=80)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)

    with tempfile.TemporaryDirectory() as root:
        make_image_folder(root, args.per_class)
        datagen = ImageDataGenerator(rescale=1 / 255, rotation_range=15, width_shift_range=0.1,
                                     height_shift_range=0.1, zoom_range=0.1, horizontal_flip=True,
                                     validation_split=0.2)
        train = datagen.flow_from_directory(root, target_size=(32, 32), batch_size=16, subset="training", seed=1)
        val = datagen.flow_from_directory(root, target_size=(32, 32), batch_size=16, subset="validation", seed=1,
                                          shuffle=False)
        print("classes:", train.class_indices, "| batches per epoch:", len(train))

        model = keras.Sequential([
            keras.layers.Input((32, 32, 3)),
            keras.layers.Conv2D(16, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Conv2D(32, 3, activation="relu"),
            keras.layers.MaxPooling2D(2),
            keras.layers.Flatten(),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(train.num_classes, activation="softmax"),
        ])
        model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="categorical_crossentropy",
                      metrics=["accuracy"])
        history = model.fit(train, validation_data=val, epochs=args.epochs, verbose=2)
        print(f"final val_accuracy: {history.history['val_accuracy'][-1]:.3f}")


if __name__ == "__main__":
    main()
