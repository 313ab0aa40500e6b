"""Keras example "Structured data classification from scratch"
(keras.io/examples/structured_data/structured_data_classification_from_scratch/), run as a script:
a model over a dict of 13 named inputs.

Changes from the example: the heart-disease CSV (read with pandas) is replaced by 303 random rows
with the same columns, value sets and dtypes, held in a dict of NumPy columns; the `tf.data`
pipeline is the same pipeline in grain, except that `encode_categorical` runs once over whole
columns (reshaped to `(n, 1)`) instead of being mapped over single rows, and the string check is a
NumPy dtype check instead of `tf.string`; `tf.convert_to_tensor` is `keras.ops.convert_to_tensor`;
5 epochs instead of 50.
Run with FKERAS_GUIDE_USE_KERAS=1 to use Keras 3 (JAX backend) instead of fkeras (Keras 3's lookup
layers need TensorFlow, which is not installed here).
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

# Preparing the data: a stand-in for pd.read_csv(heart.csv), one NumPy array per column.
rng = np.random.default_rng(1337)
n = 303
dataframe = {
    "age": rng.integers(29, 78, n),
    "sex": rng.integers(0, 2, n),
    "cp": rng.integers(0, 5, n),
    "trestbps": rng.integers(94, 201, n),
    "chol": rng.integers(126, 565, n),
    "fbs": rng.integers(0, 2, n),
    "restecg": rng.integers(0, 3, n),
    "thalach": rng.integers(71, 203, n),
    "exang": rng.integers(0, 2, n),
    "oldpeak": np.round(rng.uniform(0.0, 6.2, n), 1),
    "slope": rng.integers(1, 4, n),
    "ca": rng.integers(0, 4, n),
    "thal": rng.choice(["fixed", "normal", "reversible", "1", "2"], n),
    "target": rng.integers(0, 2, n),
}

# Split the data into a training and validation set (dataframe.sample(frac=0.2, random_state=1337)).
val_index = rng.permutation(n)[: int(0.2 * n)]
train_index = np.setdiff1d(np.arange(n), val_index)
val_dataframe = {k: v[val_index] for k, v in dataframe.items()}
train_dataframe = {k: v[train_index] for k, v in dataframe.items()}

print(f"Using {len(train_index)} samples for training and {len(val_index)} for validation")

# Dataset metadata.
COLUMN_NAMES = [
    "age",
    "sex",
    "cp",
    "trestbps",
    "chol",
    "fbs",
    "restecg",
    "thalach",
    "exang",
    "oldpeak",
    "slope",
    "ca",
    "thal",
    "target",
]
# Target feature name.
TARGET_FEATURE_NAME = "target"
# Numeric feature names.
NUMERIC_FEATURE_NAMES = ["age", "trestbps", "thalach", "oldpeak", "slope", "chol"]
# Categorical features and their vocabulary lists (integer categories stay ints, strings stay str).
CATEGORICAL_FEATURES_WITH_VOCABULARY = {
    feature_name: sorted(
        [
            value if dataframe[feature_name].dtype == "int64" else str(value)
            for value in list(np.unique(dataframe[feature_name]))
        ]
    )
    for feature_name in COLUMN_NAMES
    if feature_name not in list(NUMERIC_FEATURE_NAMES + [TARGET_FEATURE_NAME])
}
# All features names.
FEATURE_NAMES = NUMERIC_FEATURE_NAMES + list(CATEGORICAL_FEATURES_WITH_VOCABULARY.keys())


# The categorical features become one-hot vectors in the data pipeline.
def encode_categorical(features, target):
    for feature_name in features:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            lookup_class = layers.StringLookup if features[feature_name].dtype.kind == "U" else layers.IntegerLookup
            vocabulary = CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name]
            # No mask token and no out-of-vocabulary index: every value is in the vocabulary.
            index = lookup_class(
                vocabulary=vocabulary,
                mask_token=None,
                num_oov_indices=0,
                output_mode="binary",
            )
            # Convert the values into their encodings, one row per sample.
            value_index = index(features[feature_name].reshape(-1, 1))
            features[feature_name] = value_index

        else:
            pass

    return dict(features), target


def encode_numerical_feature(feature, name, dataset):
    # Create a Normalization layer for our feature
    normalizer = layers.Normalization()
    # Prepare a Dataset that only yields our feature
    feature_ds = dataset.map(lambda xy: xy[0][name])
    feature_ds = feature_ds.map(lambda x: np.expand_dims(x, -1))
    # Learn the statistics of the data
    normalizer.adapt(np.concatenate(list(feature_ds)))
    # Normalize the input feature
    encoded_feature = normalizer(feature)
    return encoded_feature


def dataframe_to_dataset(dataframe):
    dataframe = dict(dataframe)
    labels = dataframe.pop("target")
    features, labels = encode_categorical(dataframe, labels)
    features = {k: keras.ops.convert_to_numpy(v) for k, v in features.items()}
    ds = grain.MapDataset.source([({k: v[i] for k, v in features.items()}, labels[i]) for i in range(len(labels))])
    ds = ds.shuffle(seed=len(labels))
    return ds


train_ds = dataframe_to_dataset(train_dataframe)
val_ds = dataframe_to_dataset(val_dataframe)

for x, y in train_ds[:1]:
    print("Input:", x)
    print("Target:", y)
assert x["thal"].shape == (len(CATEGORICAL_FEATURES_WITH_VOCABULARY["thal"]),) and x["thal"].sum() == 1

train_ds = train_ds.batch(32)
val_ds = val_ds.batch(32)


# Build a model over a dict of inputs: one-hot categorical features, normalized numerical ones.
def create_model_inputs():
    inputs = {}

    # This a helper function for creating categorical features
    def create_input_helper(feature_name):
        num_categories = len(CATEGORICAL_FEATURES_WITH_VOCABULARY[feature_name])
        inputs[feature_name] = layers.Input(name=feature_name, shape=(num_categories,), dtype="int64")
        return inputs

    for feature_name in FEATURE_NAMES:
        if feature_name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
            # Categorical features
            create_input_helper(feature_name)
        else:
            # Make them float32, they are Real numbers
            feature_input = layers.Input(name=feature_name, shape=(1,), dtype="float32")
            # Process the Inputs here
            inputs[feature_name] = encode_numerical_feature(feature_input, feature_name, train_ds)
    return inputs


# This Layer defines the logic of the Model to perform the classification
class Classifier(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.dense_1 = layers.Dense(32, activation="relu")
        self.dropout = layers.Dropout(0.5)
        self.dense_2 = layers.Dense(1, activation="sigmoid")

    def call(self, inputs):
        all_features = layers.concatenate(list(inputs.values()))
        x = self.dense_1(all_features)
        x = self.dropout(x)
        output = self.dense_2(x)
        return output

    # Surpress build warnings
    def build(self, input_shape):
        self.built = True


# Create the Classifier model
def create_model():
    all_inputs = create_model_inputs()
    output = Classifier()(all_inputs)
    model = keras.Model(all_inputs, output)
    return model


model = create_model()
model.compile("adam", "binary_crossentropy", metrics=["accuracy"])

# `rankdir='LR'` is to make the graph horizontal.
keras.utils.plot_model(model, show_shapes=True, rankdir="LR")

# Train the model.
history = model.fit(train_ds, epochs=5, validation_data=val_ds)
assert len(history.history["val_accuracy"]) == 5

# Inference on new data.
sample = {
    "age": 60,
    "sex": 1,
    "cp": 1,
    "trestbps": 145,
    "chol": 233,
    "fbs": 1,
    "restecg": 2,
    "thalach": 150,
    "exang": 0,
    "oldpeak": 2.3,
    "slope": 3,
    "ca": 0,
    "thal": "fixed",
}


# Given the category (in the sample above - key) and the category value (in the sample above - value),
# we return its one-hot encoding
def get_cat_encoding(cat, cat_value):
    # Create a list of zeros with the same length as categories
    encoding = [0] * len(cat)
    # Find the index of category_value in categories and set the corresponding position to 1
    if cat_value in cat:
        encoding[cat.index(cat_value)] = 1
    return encoding


for name, value in sample.items():
    if name in CATEGORICAL_FEATURES_WITH_VOCABULARY:
        sample.update({name: get_cat_encoding(CATEGORICAL_FEATURES_WITH_VOCABULARY[name], sample[name])})
# Convert inputs to tensors
input_dict = {name: keras.ops.convert_to_tensor([value]) for name, value in sample.items()}
predictions = model.predict(input_dict)

print(
    f"This particular patient had a {100 * predictions[0][0]:.1f} "
    "percent probability of having a heart disease, "
    "as evaluated by our model."
)
assert predictions.shape == (1, 1) and 0.0 <= predictions[0][0] <= 1.0

print("guide OK")
