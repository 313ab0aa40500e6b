"""Benchmarks: fkeras vs. Keras 3 (JAX backend) vs. a hand-written flax/optax loop.

Run ``python -m benchmarks.run --help`` from the repository root.
"""
