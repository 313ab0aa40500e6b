"""Data-parallel training with ``keras.distribution`` (and the tf.keras ``MirroredStrategy`` spelling).

On a machine with one CPU this forces 4 virtual CPU devices, so the sharded step really runs
on 4 devices; on GPUs/TPUs it uses all of them.

    pip install -e ".[examples]" && python examples/multi_device.py
"""
from __future__ import annotations

import os

if "--no-fake-devices" not in os.sys.argv:
    os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=4")


import fkeras as keras  # noqa: E402
from fkeras import layers  # noqa: E402


def load():
    from sklearn.datasets import load_digits

    d = load_digits()
    x = (d.images / 16.0).astype("float32")[..., None]
    return x, d.target.astype("int32")


def build():
    model = keras.Sequential([
        keras.Input((8, 8, 1)),
        layers.Conv2D(16, 3, activation="relu"),
        layers.BatchNormalization(momentum=0.9),
        layers.Flatten(),
        layers.Dropout(0.2),
        layers.Dense(10, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main():
    print("devices:", keras.distribution.list_devices())
    x, y = load()
    n_dev = len(keras.distribution.list_devices())
    global_batch = 32 * n_dev

    # Keras 3 style: a global distribution; the batch is split over the devices.
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    keras.utils.set_random_seed(0)
    model = build()
    model.fit(x, y, batch_size=global_batch, epochs=10, validation_split=0.2, verbose=2)
    kernel = model.layers[0].kernel.value
    print("conv kernel lives on", len(kernel.sharding.device_set), "devices")
    keras.distribution.set_distribution(None)

    # tf.keras style: build and compile under the strategy's scope, fit afterwards.
    strategy = keras.distribution.MirroredStrategy()
    print("replicas in sync:", strategy.num_replicas_in_sync)
    with strategy.scope():
        model = build()
    history = model.fit(x, y, batch_size=global_batch, epochs=10, validation_split=0.2, verbose=0)
    acc = history.history["val_accuracy"][-1]
    print(f"validation accuracy (MirroredStrategy): {acc:.3f}")
    if acc < 0.85:
        raise SystemExit("data-parallel training did not reach 0.85 validation accuracy")


if __name__ == "__main__":
    main()
