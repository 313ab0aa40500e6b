"""Issue 17 re-audit of bad training input: what still ran (or failed late with an unclear error)
after the first round (tests/trainers/test_feeding.py covers the rest).

Sparse labels outside the classes are refused before the first step wherever they are on the host:
stored as floats, in ``validation_data``, in ``evaluate``; in a generator or PyDataset each batch is
checked as it is read, so a bad batch is never trained on. A non-positive ``steps`` /
``validation_steps`` is refused before the first step, naming the argument.
"""
import numpy as np
import pytest

import fkeras as keras

RS = np.random.RandomState(0)
X = RS.rand(40, 4).astype("float32")
Y = RS.randint(0, 3, 40)
BATCH = 8
LABEL_ERROR = r"expects integer class labels in \[0, 3\).*`y` holds 7"


def model(run_eagerly=False):
    m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
    m.compile(optimizer="sgd", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
              run_eagerly=run_eagerly)
    return m


def bad_labels(dtype="int64"):
    y = Y.astype(dtype)
    y[-1] = 7  # in the last batch, not the first
    return y


def test_float_labels_outside_the_classes_fail_before_any_step():
    m = model()
    with pytest.raises(ValueError, match=r"expects integer class labels in \[0, 3\).*`y` holds 7.0"):
        m.fit(X, bad_labels("float32"), batch_size=BATCH, verbose=0)
    assert int(m.optimizer.iterations) == 0
    m.fit(X, Y.astype("float32"), batch_size=BATCH, verbose=0)  # in-range float labels train
    assert int(m.optimizer.iterations) == 5


def test_validation_and_evaluate_labels_outside_the_classes_fail_before_any_step():
    m = model()
    with pytest.raises(ValueError, match=LABEL_ERROR):
        m.fit(X, Y, validation_data=(X, bad_labels()), batch_size=BATCH, verbose=0)
    assert int(m.optimizer.iterations) == 0
    with pytest.raises(ValueError, match=LABEL_ERROR):
        model().evaluate(X, bad_labels(), batch_size=BATCH, verbose=0)


class Batches(keras.utils.PyDataset):
    def __init__(self, y):
        super().__init__()
        self.y = y

    def __len__(self):
        return len(X) // BATCH

    def __getitem__(self, i):
        return X[i * BATCH:(i + 1) * BATCH], self.y[i * BATCH:(i + 1) * BATCH]


def generator(y):
    for i in range(len(X) // BATCH):
        yield X[i * BATCH:(i + 1) * BATCH], y[i * BATCH:(i + 1) * BATCH]


@pytest.mark.parametrize("source", ["generator", "pydataset"])
@pytest.mark.parametrize("run_eagerly", [False, True])
def test_a_bad_label_in_a_later_batch_of_a_generator_is_never_trained_on(source, run_eagerly):
    m = model(run_eagerly)
    data = generator(bad_labels()) if source == "generator" else Batches(bad_labels())
    with pytest.raises(ValueError, match=LABEL_ERROR):
        m.fit(data, epochs=1, verbose=0)
    assert int(m.optimizer.iterations) <= 4  # the bad batch is the fifth
    m.fit(generator(Y) if source == "generator" else Batches(Y), epochs=1, verbose=0)  # good labels train
    with pytest.raises(ValueError, match=LABEL_ERROR):
        m.evaluate(Batches(bad_labels()), verbose=0)


@pytest.mark.parametrize("call", ["validation_steps", "evaluate", "predict"])
def test_non_positive_steps_fail_before_any_step_naming_the_argument(call):
    m = model()
    for steps in (-1, 0):
        with pytest.raises(ValueError, match=rf"`steps` \(or `validation_steps`.*received {steps}"):
            if call == "validation_steps":
                m.fit(X, Y, validation_data=(X, Y), validation_steps=steps, batch_size=BATCH, verbose=0)
            elif call == "evaluate":
                m.evaluate(X, Y, steps=steps, verbose=0)
            else:
                m.predict(X, steps=steps, verbose=0)
    assert int(m.optimizer.iterations) == 0
