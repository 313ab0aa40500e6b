"""Tokenizer -> pad_sequences -> Embedding + LSTM, on a small synthetic sentiment corpus.

    python examples/text_tokenizer.py [--epochs 8]
"""
import argparse

import numpy as np

import fkeras as keras
from fkeras.preprocessing.sequence import pad_sequences
from fkeras.preprocessing.text import Tokenizer

POSITIVE = ["great", "wonderful", "loved", "excellent", "brilliant", "fun", "moving", "superb"]
NEGATIVE = ["awful", "boring", "hated", "terrible", "dull", "bad", "weak", "poor"]
FILLER = ["the", "movie", "film", "was", "plot", "acting", "really", "and", "a", "story", "i", "it"]


def make_corpus(n, seed=0):
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        label = int(rng.integers(0, 2))
        words = list(rng.choice(FILLER, rng.integers(4, 10)))
        for _ in range(rng.integers(1, 3)):
            words.insert(int(rng.integers(0, len(words) + 1)), rng.choice(POSITIVE if label else NEGATIVE))
        texts.append(" ".join(words).capitalize() + rng.choice([".", "!", "?"]))
        labels.append(label)
    return texts, np.array(labels, dtype="float32")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--epochs", type=int, default=8)
    args = parser.parse_args()
    keras.utils.set_random_seed(0)

    texts, labels = make_corpus(1200)
    test_texts, test_labels = make_corpus(200, seed=1)
    tok = Tokenizer(num_words=100, oov_token="<OOV>")
    tok.fit_on_texts(texts)
    print("vocabulary:", len(tok.word_index), "words; most frequent:", list(tok.word_index)[:6])
    x = pad_sequences(tok.texts_to_sequences(texts), maxlen=16)
    x_test = pad_sequences(tok.texts_to_sequences(test_texts + ["A truly unseen zygomorphic review"]), maxlen=16)
    print("first sequence:", x[0].tolist(), "<-", texts[0])

    model = keras.Sequential([
        keras.layers.Input((16,), dtype="int32"),
        keras.layers.Embedding(100, 16, mask_zero=True),
        keras.layers.LSTM(16),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, labels, batch_size=32, epochs=args.epochs, validation_split=0.1, verbose=2)
    loss, acc = model.evaluate(x_test[:-1], test_labels, verbose=0)
    print(f"test accuracy: {acc:.3f}")


if __name__ == "__main__":
    main()
