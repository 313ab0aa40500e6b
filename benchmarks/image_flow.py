"""Images/s of ``ImageDataGenerator.flow_from_directory`` with augmentation, on generated JPEGs.

Writes ``--images`` random-ish JPEGs (``--size`` px, 2 classes) to a temporary folder, then times
full passes over ``flow_from_directory`` in three configurations and prints one JSON line each:

- ``load_only``: decode + resize, no augmentation (the I/O floor);
- ``augment``: rescale + rotation, shifts, shear, zoom, flips, channel shift (our batched path);
- ``augment_per_image_reference``: the same random transforms applied the tf.keras way, one
  ``scipy.ndimage.affine_transform`` call per image and channel, on the already-loaded batches
  (augmentation cost only; compare with ``augment_only`` from the batched path).

    python -m benchmarks.image_flow [--images 512] [--size 128] [--batch 32] [--repeats 3]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import tempfile
import time

import numpy as np


def make_jpegs(root, n, size, seed=0):
    from PIL import Image

    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    for k in range(n):
        cls = "a" if k % 2 else "b"
        os.makedirs(os.path.join(root, cls), exist_ok=True)
        img = (rng.integers(0, 60, 3) + 100 * np.sin(xx[..., None] / (5 + k % 7)) * np.cos(yy[..., None] / 9) + 120)
        img = np.clip(img + rng.normal(0, 10, img.shape), 0, 255).astype(np.uint8)
        Image.fromarray(img, "RGB").save(os.path.join(root, cls, f"{k:05d}.jpg"), quality=90)


AUG = dict(rotation_range=20, width_shift_range=0.1, height_shift_range=0.1, shear_range=10, zoom_range=0.15,
           horizontal_flip=True, channel_shift_range=10.0, fill_mode="nearest")


def time_pass(it):
    t = time.perf_counter()
    n = 0
    for i in range(len(it)):
        n += len(it[i][0])
    it.on_epoch_end()
    return n / (time.perf_counter() - t)


def reference_augment(gen, batch, rng):
    """tf.keras's per-image path: draw params, one affine_transform per image and channel."""
    import scipy.ndimage as ndi

    from fkeras.preprocessing.image import _affine_matrices

    p = gen._random_params(len(batch), batch.shape[1:], rng)
    out = np.empty_like(batch)
    h, w = batch.shape[1:3]
    for i in range(len(batch)):
        m = _affine_matrices(p["theta"][i:i + 1], p["tx"][i:i + 1], p["ty"][i:i + 1], p["shear"][i:i + 1],
                             p["zx"][i:i + 1], p["zy"][i:i + 1], h, w)[0]
        for c in range(batch.shape[-1]):
            out[i, ..., c] = ndi.affine_transform(batch[i, ..., c], m[:2, :2], m[:2, 2], order=1,
                                                  mode=gen.fill_mode, cval=gen.cval)
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--images", type=int, default=512)
    ap.add_argument("--size", type=int, default=128)
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()

    import contextlib
    import io

    from fkeras.preprocessing.image import ImageDataGenerator

    meta = {"images": args.images, "size": args.size, "batch": args.batch, "cpus": os.cpu_count(),
            "python": platform.python_version()}
    with tempfile.TemporaryDirectory() as root:
        make_jpegs(root, args.images, args.size)
        results = {}
        for name, kwargs in (("load_only", {}), ("augment", dict(rescale=1 / 255, **AUG))):
            gen = ImageDataGenerator(**kwargs)
            with contextlib.redirect_stdout(io.StringIO()):
                it = gen.flow_from_directory(root, target_size=(args.size, args.size), batch_size=args.batch,
                                             seed=0)
            it[0]  # warm-up (thread pool, imports)
            rates = [time_pass(it) for _ in range(args.repeats)]
            results[name] = rates
            print(json.dumps({"type": "run", "config": name, "images_per_s": round(statistics.median(rates), 1),
                              "min": round(min(rates), 1), "max": round(max(rates), 1), **meta}))

        # Augmentation cost alone, batched vs. per image, on the same loaded batches.
        gen = ImageDataGenerator(**AUG)
        with contextlib.redirect_stdout(io.StringIO()):
            it = ImageDataGenerator().flow_from_directory(root, target_size=(args.size, args.size),
                                                          batch_size=args.batch, shuffle=False)
        batches = [it[i][0] for i in range(len(it))]
        for name, fn in (("augment_only_batched",
                          lambda b, r: gen._apply_batch(b, gen._random_params(len(b), b.shape[1:], r))),
                         ("augment_only_per_image_reference", lambda b, r: reference_augment(gen, b, r))):
            rates = []
            for rep in range(args.repeats):
                rng = np.random.default_rng(rep)
                t = time.perf_counter()
                for b in batches:
                    fn(b, rng)
                rates.append(sum(len(b) for b in batches) / (time.perf_counter() - t))
            print(json.dumps({"type": "run", "config": name, "images_per_s": round(statistics.median(rates), 1),
                              "min": round(min(rates), 1), "max": round(max(rates), 1), **meta}))


if __name__ == "__main__":
    main()
