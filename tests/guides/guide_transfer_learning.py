"""Keras guide "Transfer learning & fine-tuning" (keras.io/guides/transfer_learning/), run as a script.

Changes from the guide: Xception is built with ``weights=None`` (no download) on 75x75 images
instead of 150x150; the cats-vs-dogs TFDS dataset is replaced by a few random RGB images of
another size, resized in the pipeline as in the guide; the `tf.data` pipelines (map, batch) are the
same pipelines in grain; plots are left out; 1 epoch per round.
Run with FKERAS_GUIDE_USE_KERAS=1 to use Keras 3 (JAX backend) instead of fkeras.
"""
# The guide's code is kept as its authors wrote it (zip() without strict=, bare expressions, ...).
# ruff: noqa: B905, B018, B007, F811
import os

import grain
import numpy as np

if os.environ.get("FKERAS_GUIDE_USE_KERAS") == "1":
    os.environ["KERAS_BACKEND"] = "jax"
    import keras
else:
    import fkeras as keras

layers = keras.layers

# Freezing layers: understanding the `trainable` attribute.
layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) == (2, 2, 0)

layer = keras.layers.BatchNormalization()
layer.build((None, 4))  # Create the weights

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) == (4, 2, 2)

layer = keras.layers.Dense(3)
layer.build((None, 4))  # Create the weights
layer.trainable = False  # Freeze the layer

print("weights:", len(layer.weights))
print("trainable_weights:", len(layer.trainable_weights))
print("non_trainable_weights:", len(layer.non_trainable_weights))
assert (len(layer.weights), len(layer.trainable_weights), len(layer.non_trainable_weights)) == (2, 0, 2)

# Make a model with 2 layers
layer1 = keras.layers.Dense(3, activation="relu")
layer2 = keras.layers.Dense(3, activation="sigmoid")
model = keras.Sequential([keras.Input(shape=(3,)), layer1, layer2])

# Freeze the first layer
layer1.trainable = False

# Keep a copy of the weights of layer1 for later reference
initial_layer1_weights_values = layer1.get_weights()

# Train the model
model.compile(optimizer="adam", loss="mse")
model.fit(np.random.random((2, 3)), np.random.random((2, 3)))

# Check that the weights of layer1 have not changed during training
final_layer1_weights_values = layer1.get_weights()
np.testing.assert_allclose(initial_layer1_weights_values[0], final_layer1_weights_values[0])
np.testing.assert_allclose(initial_layer1_weights_values[1], final_layer1_weights_values[1])

# Recursive setting of the `trainable` attribute.
inner_model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        keras.layers.Dense(3, activation="relu"),
        keras.layers.Dense(3, activation="relu"),
    ]
)

model = keras.Sequential(
    [
        keras.Input(shape=(3,)),
        inner_model,
        keras.layers.Dense(3, activation="sigmoid"),
    ]
)

model.trainable = False  # Freeze the outer model

assert inner_model.trainable == False  # All layers in `model` are now frozen  # noqa: E712
assert inner_model.layers[0].trainable == False  # `trainable` is propagated recursively  # noqa: E712

# An end-to-end example: fine-tuning an image classifier on cats vs. dogs.
# Stand-in for tfds.load("cats_vs_dogs", as_supervised=True): (image, label) pairs of uint8 images.
rng = np.random.default_rng(0)


def fake_split(n):
    return grain.MapDataset.source(
        [(rng.integers(0, 256, (90, 80, 3)).astype("uint8"), np.int64(rng.integers(0, 2))) for _ in range(n)]
    )


train_ds, validation_ds, test_ds = fake_split(32), fake_split(16), fake_split(16)

print(f"Number of training samples: {len(train_ds)}")
print(f"Number of validation samples: {len(validation_ds)}")
print(f"Number of test samples: {len(test_ds)}")

# Standardizing the data: resize to 75x75 (the guide: 150x150).
resize_fn = keras.layers.Resizing(75, 75)

train_ds = train_ds.map(lambda xy: (resize_fn(xy[0]), xy[1]))
validation_ds = validation_ds.map(lambda xy: (resize_fn(xy[0]), xy[1]))
test_ds = test_ds.map(lambda xy: (resize_fn(xy[0]), xy[1]))

# Using random data augmentation.
augmentation_layers = [
    layers.RandomFlip("horizontal"),
    layers.RandomRotation(0.1),
]


def data_augmentation(x):
    for layer in augmentation_layers:
        x = layer(x)
    return x


train_ds = train_ds.map(lambda xy: (data_augmentation(xy[0]), xy[1]))

batch_size = 16

train_ds = train_ds.batch(batch_size)
validation_ds = validation_ds.batch(batch_size)
test_ds = test_ds.batch(batch_size)

for images, labels in train_ds[:1]:
    first_image = images[0]
    for i in range(9):
        augmented_image = data_augmentation(np.expand_dims(first_image, 0))
        assert augmented_image.shape == (1, 75, 75, 3)

# Build a model.
base_model = keras.applications.Xception(
    weights=None,  # The guide loads weights pre-trained on ImageNet here.
    input_shape=(75, 75, 3),
    include_top=False,
)  # Do not include the ImageNet classifier at the top.

# Freeze the base_model
base_model.trainable = False

# Create new model on top
inputs = keras.Input(shape=(75, 75, 3))

# Scale inputs from (0, 255) to (-1., +1.): `(inputs * scale) + offset`
scale_layer = keras.layers.Rescaling(scale=1 / 127.5, offset=-1)
x = scale_layer(inputs)

# Keep the base model's batchnorm layers in inference mode, even once it is unfrozen below.
x = base_model(x, training=False)
x = keras.layers.GlobalAveragePooling2D()(x)
x = keras.layers.Dropout(0.2)(x)  # Regularize with dropout
outputs = keras.layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

model.summary(show_trainable=True)

# Train the top layer.
model.compile(
    optimizer=keras.optimizers.Adam(),
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

frozen_before = {w.path: np.array(w) for w in base_model.weights}
epochs = 1
print("Fitting the top layer of the model")
model.fit(train_ds, epochs=epochs, validation_data=validation_ds)
for w in base_model.weights:  # frozen, and its batchnorm in inference mode
    np.testing.assert_array_equal(frozen_before[w.path], np.asarray(w))

# Do a round of fine-tuning of the entire model (the base model stays in inference mode).
base_model.trainable = True
model.summary(show_trainable=True)

model.compile(
    optimizer=keras.optimizers.Adam(1e-5),  # Low learning rate
    loss=keras.losses.BinaryCrossentropy(from_logits=True),
    metrics=[keras.metrics.BinaryAccuracy()],
)

epochs = 1
print("Fitting the end-to-end model")
model.fit(train_ds, epochs=epochs, validation_data=validation_ds)
moving_means = [w for w in base_model.non_trainable_weights if "moving_mean" in w.path]
assert moving_means
for w in moving_means:  # batchnorm statistics stay put: training=False at the call
    np.testing.assert_array_equal(frozen_before[w.path], np.asarray(w))

print("Test dataset evaluation")
model.evaluate(test_ds)

print("guide OK")
