"""The JAX version of a ``tf.GradientTape`` training loop.

tf.keras code like::

    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = loss_fn(y, logits)
    grads = tape.gradient(loss, model.trainable_weights)
    optimizer.apply_gradients(zip(grads, model.trainable_weights))

becomes a pure function of the variables, differentiated with ``jax.value_and_grad`` and
compiled with ``jax.jit``. The same CNN as ``quickstart.py``; run with

    pip install -e ".[examples]" && python examples/custom_training_loop.py
"""
from __future__ import annotations

import time

import jax
import jax.numpy as jnp
import numpy as np
import optax

import fkeras as keras
from fkeras import layers


def load_digits_28x28():
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    d = load_digits()
    x = np.pad((d.images / 16.0).astype("float32"), ((0, 0), (10, 10), (10, 10)))[..., None]
    return train_test_split(x, d.target.astype("int32"), test_size=0.2, random_state=0, stratify=d.target)


def build_model():
    return keras.Sequential([
        keras.Input(shape=(28, 28, 1)),
        layers.Conv2D(32, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(64, 3, activation="relu"),
        layers.MaxPooling2D(2),
        layers.Flatten(),
        layers.Dropout(0.5),
        layers.Dense(128, activation="relu"),
        layers.Dense(10),  # logits
    ])


def main(epochs=12, batch_size=32):
    x_train, x_test, y_train, y_test = load_digits_28x28()
    model = build_model()
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    tx = optax.adam(1e-3)

    # 1. Pure state: the variable tree and the optax state.
    params = model.init(jax.random.PRNGKey(0))
    opt_state = tx.init(params)

    # 2. The step: what the GradientTape block did, as a pure, jitted function.
    @jax.jit
    def train_step(params, opt_state, x, y, key):
        def compute_loss(p):
            logits, _ = model.apply(p, x, training=True, rng=key)  # a fresh dropout key each step
            return loss_fn(y, logits), logits

        (loss, logits), grads = jax.value_and_grad(compute_loss, has_aux=True)(params)
        updates, opt_state = tx.update(grads, opt_state, params)
        params = optax.apply_updates(params, updates)
        accuracy = jnp.mean(jnp.argmax(logits, -1) == y)
        return params, opt_state, loss, accuracy

    @jax.jit
    def predict(params, x):
        return model.apply(params, x, training=False)[0]

    key = jax.random.PRNGKey(1)
    rng = np.random.default_rng(0)
    steps = len(x_train) // batch_size
    for epoch in range(epochs):
        t0 = time.time()
        order = rng.permutation(len(x_train))
        losses, accs = [], []
        for s in range(steps):
            idx = order[s * batch_size:(s + 1) * batch_size]
            key, step_key = jax.random.split(key)
            params, opt_state, loss, acc = train_step(params, opt_state, x_train[idx], y_train[idx], step_key)
            losses.append(loss)
            accs.append(acc)
        # One host transfer per epoch, not per step.
        print(f"epoch {epoch + 1}: loss {float(jnp.mean(jnp.stack(losses))):.4f} "
              f"accuracy {float(jnp.mean(jnp.stack(accs))):.4f} ({time.time() - t0:.1f}s)")

    test_acc = float(jnp.mean(jnp.argmax(predict(params, x_test), -1) == y_test))
    print(f"Test accuracy: {test_acc:.4f}")
    # 3. Write the trained tree back into the Keras object to use predict/save/summary.
    model.set_variables(params)
    probs = jax.nn.softmax(model.predict(x_test[:5], verbose=0))
    print("first predictions:", np.argmax(probs, -1), "labels:", y_test[:5])
    return test_acc


if __name__ == "__main__":
    acc = main()
    if acc < 0.95:
        raise SystemExit(f"test accuracy {acc:.4f} is below 0.95")
