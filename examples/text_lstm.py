"""Text classification with Embedding -> LSTM -> Dense, the Keras IMDB recipe, on a synthetic task.

Each "review" is a random sequence of word indices (vocabulary 10,000, lengths 40-200). Twenty
words are "positive" and twenty "negative"; the label says whether positive words
outnumber negative ones. The model must learn which words matter and count them over the
sequence, which a bag-of-length or first/last-word rule cannot do.

    python examples/text_lstm.py            # ~1-2 minutes on a laptop CPU
    python examples/text_lstm.py --quick    # a smaller smoke run

Exits non-zero if the validation accuracy stays below 0.8.
"""
from __future__ import annotations

import argparse
import sys
import time

import numpy as np

import fkeras as keras

try:
    from fkeras.layers import LSTM, Dense, Embedding
except ImportError:  # the layer package may not re-export the recurrent family yet
    from fkeras.layers.core import Dense
    from fkeras.layers.embedding import Embedding
    from fkeras.layers.recurrent import LSTM
from fkeras.utils import pad_sequences

VOCAB = 10_000
MAXLEN = 200


def make_data(n, rng, n_sentiment=20):
    """Random reviews and labels: 1 if positive words outnumber negative ones.

    Neutral words follow a Zipf-like frequency law over the rest of the vocabulary, as in text.
    """
    positive = np.arange(1, 1 + n_sentiment)
    negative = np.arange(1 + n_sentiment, 1 + 2 * n_sentiment)
    neutral = np.arange(1 + 2 * n_sentiment, VOCAB)
    freq = 1.0 / np.arange(1, len(neutral) + 1) ** 1.1
    freq /= freq.sum()
    seqs, labels = [], []
    for _ in range(n):
        length = int(rng.integers(40, MAXLEN + 1))
        seq = rng.choice(neutral, size=length, p=freq)
        label = int(rng.integers(0, 2))
        majority = int(rng.integers(3, 9))
        minority = int(rng.integers(0, majority - 1))
        n_pos, n_neg = (majority, minority) if label else (minority, majority)
        pos = rng.choice(length, size=n_pos + n_neg, replace=False)
        seq[pos[:n_pos]] = rng.choice(positive, size=n_pos)
        seq[pos[n_pos:]] = rng.choice(negative, size=n_neg)
        seqs.append(seq.tolist())
        labels.append(label)
    x = pad_sequences(seqs, maxlen=MAXLEN)
    return x.astype("int32"), np.asarray(labels, dtype="float32")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples and epochs")
    parser.add_argument("--epochs", type=int, default=None)
    args = parser.parse_args(argv)

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    n_train, n_val = (2000, 500) if args.quick else (5000, 1000)
    epochs = args.epochs or (3 if args.quick else 5)
    x_train, y_train = make_data(n_train, rng)
    x_val, y_val = make_data(n_val, rng)
    print(f"train {x_train.shape}, validation {x_val.shape}; positive rate {y_train.mean():.2f}")

    model = keras.Sequential([
        keras.Input(shape=(MAXLEN,), dtype="int32"),
        Embedding(VOCAB, 128),
        LSTM(64, dropout=0.2),
        Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(2e-3), loss="binary_crossentropy", metrics=["accuracy"])
    model.summary()
    t0 = time.perf_counter()
    history = model.fit(x_train, y_train, batch_size=64, epochs=epochs, validation_data=(x_val, y_val),
                        verbose=2)
    elapsed = time.perf_counter() - t0
    val_acc = float(history.history["val_accuracy"][-1])
    print(f"trained {epochs} epochs in {elapsed:.1f} s; validation accuracy {val_acc:.3f} (chance 0.5)")
    if val_acc < 0.8:
        print("FAILED: validation accuracy below 0.8", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
