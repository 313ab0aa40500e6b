"""Keras guide "Working with preprocessing layers" (keras.io/guides/preprocessing_layers/), run as
a script.

Changes from the guide: CIFAR-10 is replaced by 64 random uint8 images of the same shape; the
ResNet50 recipe trains 2 steps instead of 5; `tf.constant(...)` inputs are NumPy arrays; the
`tf.data` pipelines (batch, then map a preprocessing layer) are the same pipelines in grain;
`.numpy()` on layer outputs is `keras.ops.convert_to_numpy(...)`.
Run with FKERAS_GUIDE_USE_KERAS=1 to use Keras 3 (JAX backend) instead of fkeras (Keras 3's string
layers -- TextVectorization, StringLookup -- need TensorFlow, which is not installed here).
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
ops = keras.ops

# The adapt() method.
data = np.array(
    [
        [0.1, 0.2, 0.3],
        [0.8, 0.9, 1.0],
        [1.5, 1.6, 1.7],
    ]
)
layer = layers.Normalization()
layer.adapt(data)
normalized_data = layer(data)

print("Features mean: %.2f" % (ops.convert_to_numpy(normalized_data).mean()))
print("Features std: %.2f" % (ops.convert_to_numpy(normalized_data).std()))
np.testing.assert_allclose(ops.convert_to_numpy(normalized_data).mean(), 0.0, atol=1e-5)
np.testing.assert_allclose(ops.convert_to_numpy(normalized_data).std(), 1.0, atol=1e-3)

data = [
    "ξεῖν᾽, ἦ τοι μὲν ὄνειροι ἀμήχανοι ἀκριτόμυθοι",
    "γίγνοντ᾽, οὐδέ τι πάντα τελείεται ἀνθρώποισι.",
    "δοιαὶ γάρ τε πύλαι ἀμενηνῶν εἰσὶν ὀνείρων:",
    "αἱ μὲν γὰρ κεράεσσι τετεύχαται, αἱ δ᾽ ἐλέφαντι:",
    "τῶν οἳ μέν κ᾽ ἔλθωσι διὰ πριστοῦ ἐλέφαντος,",
    "οἵ ῥ᾽ ἐλεφαίρονται, ἔπε᾽ ἀκράαντα φέροντες:",
    "οἱ δὲ διὰ ξεστῶν κεράων ἔλθωσι θύραζε,",
    "οἵ ῥ᾽ ἔτυμα κραίνουσι, βροτῶν ὅτε κέν τις ἴδηται.",
]
layer = layers.TextVectorization()
layer.adapt(data)
vectorized_text = layer(data)
print(vectorized_text)
assert ops.convert_to_numpy(vectorized_text).shape[0] == 8

vocab = ["a", "b", "c", "d"]
data = np.array([["a", "c", "d"], ["d", "z", "b"]])
layer = layers.StringLookup(vocabulary=vocab)
vectorized_data = layer(data)
print(vectorized_data)
np.testing.assert_array_equal(ops.convert_to_numpy(vectorized_data), [[1, 3, 4], [4, 0, 2]])

# Quick recipes: image data augmentation.
data_augmentation = keras.Sequential(
    [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
        layers.RandomZoom(0.1),
    ]
)

# Load some data (stand-in for keras.datasets.cifar10.load_data()).
rng = np.random.default_rng(0)
(x_train, y_train), _ = (
    (rng.integers(0, 256, (64, 32, 32, 3), dtype=np.uint8), rng.integers(0, 10, (64, 1), dtype=np.uint8)),
    None,
)
input_shape = x_train.shape[1:]
classes = 10

# A pipeline of augmented images (and their labels)
train_dataset = grain.MapDataset.source(list(zip(x_train, y_train)))
train_dataset = train_dataset.batch(16).map(lambda xy: (data_augmentation(xy[0]), xy[1]))

# Create a model and train it on the augmented image data
inputs = keras.Input(shape=input_shape)
x = layers.Rescaling(1.0 / 255)(inputs)  # Rescale inputs
outputs = keras.applications.ResNet50(  # Add the rest of the model
    weights=None, input_shape=input_shape, classes=classes
)(x)
model = keras.Model(inputs, outputs)
model.compile(optimizer="rmsprop", loss="sparse_categorical_crossentropy")
model.fit(train_dataset, steps_per_epoch=2)

# Normalizing numerical features.
x_train = x_train.reshape((len(x_train), -1))
input_shape = x_train.shape[1:]
classes = 10

# Create a Normalization layer and set its internal state using the training data
normalizer = layers.Normalization()
normalizer.adapt(x_train)

# Create a model that include the normalization layer
inputs = keras.Input(shape=input_shape)
x = normalizer(inputs)
outputs = layers.Dense(classes, activation="softmax")(x)
model = keras.Model(inputs, outputs)

# Train the model
model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
model.fit(x_train, y_train)

# Encoding string categorical features via one-hot encoding.
data = np.array([["a"], ["b"], ["c"], ["b"], ["c"], ["a"]])

# Use StringLookup to build an index of the feature values and encode output.
lookup = layers.StringLookup(output_mode="one_hot")
lookup.adapt(data)

# Convert new test data (which includes unknown feature values)
test_data = np.array([["a"], ["b"], ["c"], ["d"], ["e"], [""]])
encoded_data = lookup(test_data)
print(encoded_data)
# Index 0 is the out-of-vocabulary bucket; the seen values come after it.
np.testing.assert_array_equal(
    ops.convert_to_numpy(encoded_data).argmax(-1)[3:], [0, 0, 0]
)
assert ops.convert_to_numpy(encoded_data).shape == (6, 4)

# Encoding integer categorical features via one-hot encoding.
data = np.array([[10], [20], [20], [10], [30], [0]])

# Use IntegerLookup to build an index of the feature values and encode output.
lookup = layers.IntegerLookup(output_mode="one_hot")
lookup.adapt(data)

# Convert new test data (which includes unknown feature values)
test_data = np.array([[10], [10], [20], [50], [60], [0]])
encoded_data = lookup(test_data)
print(encoded_data)
assert ops.convert_to_numpy(encoded_data).shape == (6, 5)
np.testing.assert_array_equal(ops.convert_to_numpy(encoded_data).argmax(-1)[3:5], [0, 0])  # unknown -> OOV

# Applying the hashing trick to an integer categorical feature.
data = np.random.randint(0, 100000, size=(10000, 1))

# Use the Hashing layer to hash the values to the range [0, 64]
hasher = layers.Hashing(num_bins=64, salt=1337)

# Use the CategoryEncoding layer to multi-hot encode the hashed values
encoder = layers.CategoryEncoding(num_tokens=64, output_mode="multi_hot")
encoded_data = encoder(hasher(data))
print(encoded_data.shape)
assert tuple(encoded_data.shape) == (10000, 64)

# Encoding text as a sequence of token indices.
adapt_data = np.array(
    [
        "The Brain is wider than the Sky",
        "For put them side by side",
        "The one the other will contain",
        "With ease and You beside",
    ]
)

# Create a TextVectorization layer
text_vectorizer = layers.TextVectorization(output_mode="int")
# Index the vocabulary via `adapt()`
text_vectorizer.adapt(adapt_data)

# Try out the layer
print(
    "Encoded text:\n",
    ops.convert_to_numpy(text_vectorizer(["The Brain is deeper than the sea"])),
)

# Create a simple model
inputs = keras.Input(shape=(None,), dtype="int64")
x = layers.Embedding(input_dim=text_vectorizer.vocabulary_size(), output_dim=16)(inputs)
x = layers.GRU(8)(x)
outputs = layers.Dense(1)(x)
model = keras.Model(inputs, outputs)

# Create a labeled dataset (which includes unknown tokens)
train_dataset = grain.MapDataset.source(
    list(zip(["The Brain is deeper than the sea", "for if they are held Blue to Blue"], [1, 0]))
)

# Preprocess the string inputs, turning them into int sequences
train_dataset = train_dataset.batch(2).map(lambda xy: (text_vectorizer(xy[0]), xy[1]))
# Train the model on the int sequences
print("\nTraining model...")
model.compile(optimizer="rmsprop", loss="mse")
model.fit(train_dataset)

# For inference, you can export a model that accepts strings as input
inputs = keras.Input(shape=(1,), dtype="string")
x = text_vectorizer(inputs)
outputs = model(x)
end_to_end_model = keras.Model(inputs, outputs)

# Call the end-to-end model on test data (which includes unknown tokens)
print("\nCalling end-to-end model on test string...")
test_data = np.array(["The one the other will absorb"])
test_output = end_to_end_model(test_data)
print("Model output:", test_output)

# Encoding text as a dense matrix of N-grams with multi-hot encoding.
adapt_data = np.array(
    [
        "The Brain is wider than the Sky",
        "For put them side by side",
        "The one the other will contain",
        "With ease and You beside",
    ]
)
# Instantiate TextVectorization with "multi_hot" output_mode and ngrams=2 (index all bigrams)
text_vectorizer = layers.TextVectorization(output_mode="multi_hot", ngrams=2)
# Index the bigrams via `adapt()`
text_vectorizer.adapt(adapt_data)

print(
    "Encoded text:\n",
    ops.convert_to_numpy(text_vectorizer(["The Brain is deeper than the sea"])),
)

inputs = keras.Input(shape=(text_vectorizer.vocabulary_size(),))
outputs = layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)

train_dataset = grain.MapDataset.source(
    list(zip(["The Brain is deeper than the sea", "for if they are held Blue to Blue"], [1, 0]))
)
train_dataset = train_dataset.batch(2).map(lambda xy: (text_vectorizer(xy[0]), xy[1]))
print("\nTraining model...")
model.compile(optimizer="rmsprop", loss="mse")
model.fit(train_dataset)

inputs = keras.Input(shape=(1,), dtype="string")
x = text_vectorizer(inputs)
outputs = model(x)
end_to_end_model = keras.Model(inputs, outputs)

print("\nCalling end-to-end model on test string...")
test_data = np.array(["The one the other will absorb"])
test_output = end_to_end_model(test_data)
print("Model output:", test_output)

# Encoding text as a dense matrix of N-grams with TF-IDF weighting.
adapt_data = np.array(
    [
        "The Brain is wider than the Sky",
        "For put them side by side",
        "The one the other will contain",
        "With ease and You beside",
    ]
)
# Instantiate TextVectorization with "tf-idf" output_mode (multi-hot with TF-IDF weighting)
# and ngrams=2 (index all bigrams)
text_vectorizer = layers.TextVectorization(output_mode="tf-idf", ngrams=2)
# Index the bigrams and learn the TF-IDF weights via `adapt()`
text_vectorizer.adapt(adapt_data)

print(
    "Encoded text:\n",
    ops.convert_to_numpy(text_vectorizer(["The Brain is deeper than the sea"])),
)

inputs = keras.Input(shape=(text_vectorizer.vocabulary_size(),))
outputs = layers.Dense(1)(inputs)
model = keras.Model(inputs, outputs)

train_dataset = grain.MapDataset.source(
    list(zip(["The Brain is deeper than the sea", "for if they are held Blue to Blue"], [1, 0]))
)
train_dataset = train_dataset.batch(2).map(lambda xy: (text_vectorizer(xy[0]), xy[1]))
print("\nTraining model...")
model.compile(optimizer="rmsprop", loss="mse")
model.fit(train_dataset)

inputs = keras.Input(shape=(1,), dtype="string")
x = text_vectorizer(inputs)
outputs = model(x)
end_to_end_model = keras.Model(inputs, outputs)

print("\nCalling end-to-end model on test string...")
test_data = np.array(["The one the other will absorb"])
test_output = end_to_end_model(test_data)
print("Model output:", test_output)

print("guide OK")
