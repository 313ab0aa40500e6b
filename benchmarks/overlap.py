"""Does a slow Python data source overlap with the device step?

A generator sleeps ``--sleep`` seconds per batch; the model's step takes about as long. With the
background prefetch thread, an epoch should cost about ``steps * max(sleep, step)``, not
``steps * (sleep + step)``. Prints one JSON line.

    python -m benchmarks.overlap --sleep 0.02 --steps 40
"""
from __future__ import annotations

import argparse
import json
import time

import numpy as np


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sleep", type=float, default=0.02)
    p.add_argument("--steps", type=int, default=40)
    p.add_argument("--width", type=int, default=1024)
    args = p.parse_args()
    import fkeras as keras
    from fkeras import layers

    r = np.random.default_rng(0)
    x = r.normal(size=(64, args.width)).astype("float32")
    y = r.integers(0, 10, 64).astype("int32")
    model = keras.Sequential([keras.Input((args.width,))] + [layers.Dense(args.width, activation="relu")
                                                             for _ in range(3)] + [layers.Dense(10)])
    model.compile(optimizer="adam", loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))

    def gen(sleep):
        while True:
            time.sleep(sleep)
            yield x, y

    model.fit(gen(0.0), steps_per_epoch=3, epochs=1, verbose=0)  # compile
    t0 = time.perf_counter()
    model.fit(gen(0.0), steps_per_epoch=args.steps, epochs=1, verbose=0)
    step = (time.perf_counter() - t0) / args.steps
    t0 = time.perf_counter()
    model.fit(gen(args.sleep), steps_per_epoch=args.steps, epochs=1, verbose=0)
    both = (time.perf_counter() - t0) / args.steps
    print(json.dumps({"sleep_s": args.sleep, "step_s": round(step, 4), "step_with_slow_source_s": round(both, 4),
                      "max_of_the_two_s": round(max(step, args.sleep), 4),
                      "sum_of_the_two_s": round(step + args.sleep, 4),
                      "overlap": round((step + args.sleep - both) / min(step, args.sleep), 2)}))


if __name__ == "__main__":
    main()
