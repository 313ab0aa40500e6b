"""Keras example "Text classification from scratch"
(keras.io/examples/nlp/text_classification_from_scratch/), run as a script.

Changes from the example: the IMDB archive is replaced by a small `aclImdb/` tree of random reviews
written here (the same folder layout, with `<br />` tags and punctuation), read with the example's
`keras.utils.text_dataset_from_directory` calls (batch size 8 instead of 32); the model's sizes
are shrunk (20,000 -> 2,000 tokens, 128 -> 32 embedding dims, sequences of 500 -> 100); 2 epochs
instead of 3; `custom_standardization` does with NumPy what the example does with `tf.strings`;
`.numpy()` on batches and `tf.expand_dims` in `vectorize_text` are NumPy calls.
Run with FKERAS_GUIDE_USE_KERAS=1 to use Keras 3 (JAX backend) instead of fkeras (Keras 3's
TextVectorization and text_dataset_from_directory need TensorFlow, which is not installed here).
"""
# The guide's code is kept as its authors wrote it (zip() without strict=, bare expressions, ...).
# ruff: noqa: B905, B018, B007, F811
import os
import re
import string

import numpy as np

if os.environ.get("FKERAS_GUIDE_USE_KERAS") == "1":
    os.environ["KERAS_BACKEND"] = "jax"
    import keras
else:
    import fkeras as keras

layers = keras.layers

# Stand-in for downloading and extracting aclImdb_v1.tar.gz: a few reviews per class.
rng = np.random.default_rng(0)
words = {
    "pos": ["great", "wonderful", "loved", "superb", "moving"],
    "neg": ["awful", "boring", "hated", "dull", "poor"],
}
common = ["the", "film", "movie", "was", "a", "and", "acting", "plot", "story", "really"]
dataset_dir = "aclImdb"
for split, per_class in (("train", 20), ("test", 10)):
    for label in ("pos", "neg"):
        os.makedirs(os.path.join(dataset_dir, split, label), exist_ok=True)
        for i in range(per_class):
            tokens = rng.choice(common + words[label], size=rng.integers(20, 60))
            text = " ".join(tokens).capitalize() + "!<br /><br />" + " ".join(rng.choice(common, 10)) + "."
            with open(os.path.join(dataset_dir, split, label, f"{i}_{rng.integers(1, 11)}.txt"), "w") as f:
                f.write(text)

batch_size = 8
train_dir = os.path.join(dataset_dir, "train")
test_dir = os.path.join(dataset_dir, "test")

raw_train_ds = keras.utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset="training",
    seed=1337,
    class_names=["pos", "neg"],
)
raw_val_ds = keras.utils.text_dataset_from_directory(
    train_dir,
    batch_size=batch_size,
    validation_split=0.2,
    subset="validation",
    seed=1337,
    class_names=["pos", "neg"],
)
raw_test_ds = keras.utils.text_dataset_from_directory(test_dir, batch_size=batch_size)

print(f"Number of batches in raw_train_ds: {raw_train_ds.cardinality()}")
print(f"Number of batches in raw_val_ds: {raw_val_ds.cardinality()}")
print(f"Number of batches in raw_test_ds: {raw_test_ds.cardinality()}")
assert (raw_train_ds.cardinality(), raw_val_ds.cardinality(), raw_test_ds.cardinality()) == (4, 1, 3)

for text_batch, label_batch in raw_train_ds.take(1):
    for i in range(5):
        print(text_batch[i])
        print(label_batch[i])


# Prepare the data: lowercase, and drop the `<br />` tags and the punctuation.
def custom_standardization(input_data):
    lowercase = np.char.lower(np.asarray(input_data, dtype=str))
    stripped_html = np.char.replace(lowercase, "<br />", " ")
    return np.array([re.sub(f"[{re.escape(string.punctuation)}]", "", s) for s in stripped_html.ravel()]).reshape(
        stripped_html.shape
    )


# Model constants.
max_features = 2000
embedding_dim = 32
sequence_length = 100

# Normalize, split, and map strings to integers, padded to a fixed length for the CNN below.
vectorize_layer = keras.layers.TextVectorization(
    standardize=custom_standardization,
    max_tokens=max_features,
    output_mode="int",
    output_sequence_length=sequence_length,
)

# Let's make a text-only dataset (no labels):
text_ds = raw_train_ds.map(lambda x, y: x)
# Let's call `adapt`:
vectorize_layer.adapt(text_ds)
vocab = vectorize_layer.get_vocabulary()
assert "br" not in vocab and "great" in vocab and "film" in vocab, vocab[:20]


def vectorize_text(text, label):
    text = np.expand_dims(text, -1)
    return vectorize_layer(text), label


# Vectorize the data.
train_ds = raw_train_ds.map(vectorize_text)
val_ds = raw_val_ds.map(vectorize_text)
test_ds = raw_test_ds.map(vectorize_text)

# Do async prefetching / buffering of the data for best performance on GPU.
train_ds = train_ds.cache().prefetch(buffer_size=10)
val_ds = val_ds.cache().prefetch(buffer_size=10)
test_ds = test_ds.cache().prefetch(buffer_size=10)

# Build a model: a 1D convnet over embeddings.
inputs = keras.Input(shape=(None,), dtype="int64")

x = layers.Embedding(max_features, embedding_dim)(inputs)
x = layers.Dropout(0.5)(x)

# Conv1D + global max pooling
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
x = layers.GlobalMaxPooling1D()(x)

# We add a vanilla hidden layer:
x = layers.Dense(128, activation="relu")(x)
x = layers.Dropout(0.5)(x)

# We project onto a single unit output layer, and squash it with a sigmoid:
predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

model = keras.Model(inputs, predictions)

# Compile the model with binary crossentropy loss and an adam optimizer.
model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

# Train the model.
epochs = 2

model.fit(train_ds, validation_data=val_ds, epochs=epochs)

# Evaluate the model on the test set.
model.evaluate(test_ds)

# Make an end-to-end model that takes raw strings.
inputs = keras.Input(shape=(1,), dtype="string")
# Turn strings into vocab indices
indices = vectorize_layer(inputs)
# Turn vocab indices into predictions
outputs = model(indices)

# Our end to end model
end_to_end_model = keras.Model(inputs, outputs)
end_to_end_model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

# Test it with `raw_test_ds`, which yields raw strings
end_to_end_model.evaluate(raw_test_ds)

print("guide OK")
