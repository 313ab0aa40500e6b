"""Transfer learning and fine-tuning with a MobileNetV2 base (Keras's guide, on generated images).

1. A MobileNetV2 base without its classifier, frozen (``base.trainable = False``); with
   ``--weights`` it loads a local weights file (e.g. Keras's
   ``mobilenet_v2_weights_tf_dim_ordering_tf_kernels_0.35_96_no_top.h5``, matching ``--alpha``)
   or, with ``--weights imagenet``, downloads and caches it. Without weights the base is random;
   its BatchNormalization statistics are then calibrated on one batch of images (a pretrained
   file brings real ones), otherwise a deep random network's features shrink to ~1e-11. Random
   features say little about shapes: expect near-chance validation accuracy without real weights.
2. A new head (pooling, dropout, ``Dense``) trained on a small generated image set: two classes
   of coloured shapes (discs and squares) at 96x96, random colours, sizes and positions.
3. Fine-tuning: the top layers of the base unfrozen, a re-``compile`` with a 10x smaller learning
   rate, a few more epochs. The base is called with ``training=False`` throughout, so its
   BatchNormalization layers stay in inference mode, as Keras's guide recommends. fkeras honours
   that argument during ``fit`` (as tf.keras 2 did); Keras 3 overrides it with the outer
   ``training=True`` (keras-team/keras#20285) — see docs/differences_from_keras.md.

Run with

    python examples/transfer_learning.py [--weights PATH|imagenet] [--alpha 0.35] [--epochs 3]
                                         [--fine-tune-epochs 2] [--fine-tune-layers 20]

A default run takes well under a minute on a laptop CPU.
"""
from __future__ import annotations

import argparse
import time

import jax
import numpy as np

import fkeras as keras
import fkeras.applications  # noqa: F401  (makes keras.applications available)

CLASS_NAMES = ("disc", "square")


def make_shapes(n, size=96, seed=0):
    """``n`` RGB images in ``[0, 255]`` (uint8) of a disc (label 0) or a square (label 1)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    images = np.empty((n, size, size, 3), np.uint8)
    labels = rng.integers(0, 2, n)
    for i in range(n):
        background = rng.uniform(0, 110, 3)
        colour = rng.uniform(130, 255, 3)
        r = rng.uniform(size * 0.15, size * 0.3)
        cy, cx = rng.uniform(r, size - r, 2)
        if labels[i] == 0:
            mask = (yy - cy) ** 2 + (xx - cx) ** 2 <= r ** 2
        else:
            mask = (np.abs(yy - cy) <= r * 0.85) & (np.abs(xx - cx) <= r * 0.85)
        img = np.where(mask[..., None], colour, background) + rng.normal(0, 8, (size, size, 3))
        images[i] = np.clip(img, 0, 255).astype(np.uint8)
    return images, labels


def calibrate_batchnorm(base, images):
    """Set every BatchNormalization's moving statistics to its batch statistics on ``images``.

    Only for a randomly initialized base: one pure forward pass in training mode with
    ``momentum = 0`` (Keras 3's ``stateless_call``, jitted), then the new statistics are written back.
    """
    bns = [l for l in base.layers if isinstance(l, keras.layers.BatchNormalization)]
    momenta = [l.momentum for l in bns]
    for l in bns:
        l.momentum = 0.0
    step = jax.jit(lambda t, nt, x: base.stateless_call(t, nt, x, training=True))
    _, new_stats = step([v.value for v in base.trainable_variables],
                        [v.value for v in base.non_trainable_variables], images)
    for v, value in zip(base.non_trainable_variables, new_stats):
        v.assign(value)
    for l, m in zip(bns, momenta):
        l.momentum = m


def build(weights, alpha, size, calibration_images=None):
    base = keras.applications.MobileNetV2(input_shape=(size, size, 3), alpha=alpha, include_top=False,
                                          weights=weights)
    if weights is None and calibration_images is not None:
        calibrate_batchnorm(base, keras.applications.mobilenet_v2.preprocess_input(calibration_images))
    base.trainable = False  # freeze every weight; BatchNormalization runs in inference mode

    inputs = keras.Input((size, size, 3))
    x = keras.applications.mobilenet_v2.preprocess_input(inputs)  # [0, 255] -> [-1, 1]
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(0.2)(x)
    outputs = keras.layers.Dense(len(CLASS_NAMES), name="classifier")(x)
    return base, keras.Model(inputs, outputs, name="shape_classifier")


def counts(model):
    t = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    nt = sum(int(np.prod(w.shape)) for w in model.non_trainable_weights)
    return f"trainable params {t:,}, non-trainable params {nt:,}"


def compile_model(model, learning_rate):
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                  metrics=["accuracy"])


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--weights", default=None,
                   help="a weights file for the base (no top), or 'imagenet'; random weights if omitted")
    p.add_argument("--alpha", type=float, default=0.35, help="MobileNetV2 width multiplier")
    p.add_argument("--image-size", type=int, default=96)
    p.add_argument("--train", type=int, default=256, help="number of training images")
    p.add_argument("--val", type=int, default=128, help="number of validation images")
    p.add_argument("--epochs", type=int, default=3, help="epochs training the new head")
    p.add_argument("--fine-tune-epochs", type=int, default=2)
    p.add_argument("--fine-tune-layers", type=int, default=20, help="top layers of the base to unfreeze")
    p.add_argument("--learning-rate", type=float, default=1e-3)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--seed", type=int, default=0)
    args = p.parse_args(argv)
    keras.utils.set_random_seed(args.seed)

    x_train, y_train = make_shapes(args.train, args.image_size, seed=args.seed)
    x_val, y_val = make_shapes(args.val, args.image_size, seed=args.seed + 1)

    t0 = time.time()
    base, model = build(args.weights, args.alpha, args.image_size, calibration_images=x_train[:64])
    print(f"MobileNetV2 base ({args.weights or 'random weights'}): {len(base.layers)} layers, built in "
          f"{time.time() - t0:.1f}s")

    # --- 1. train the new head on top of the frozen base --------------------------------
    compile_model(model, args.learning_rate)
    print(f"[head]       {counts(model)}")
    head_hist = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.epochs,
                          validation_data=(x_val, y_val), verbose=2)

    # --- 2. fine-tune the top of the base with a smaller learning rate -------------------
    base.trainable = True
    for layer in base.layers[:-args.fine_tune_layers]:
        layer.trainable = False
    compile_model(model, args.learning_rate / 10)  # re-compile so the change takes effect
    print(f"[fine-tune]  {counts(model)} (top {args.fine_tune_layers} layers of the base unfrozen)")
    tune_hist = model.fit(x_train, y_train, batch_size=args.batch_size, epochs=args.fine_tune_epochs,
                          validation_data=(x_val, y_val), verbose=2)

    loss, acc = model.evaluate(x_val, y_val, batch_size=args.batch_size, verbose=0)
    print(f"validation accuracy: head {head_hist.history['val_accuracy'][-1]:.3f} -> "
          f"fine-tuned {acc:.3f} (loss {loss:.3f}); total {time.time() - t0:.1f}s")
    if args.weights is None:
        print("note: a random base's frozen features say little about shapes, so validation accuracy stays "
              "near chance; pass --weights with a pretrained file (or --weights imagenet) for real transfer.")
    return {"head": head_hist.history, "fine_tune": tune_hist.history, "val_accuracy": acc}


if __name__ == "__main__":
    main()
