"""The global key stream: keys placed without JAX's seeding program are JAX's own keys."""
import jax
import numpy as np
import pytest

from fkeras.backend import random_state


@pytest.mark.parametrize("seed", [0, 1, 7, 12345, 2**31 - 1, 2**31, 2**40 + 3, -5])
def test_raw_key_is_jax_prngkey(seed):
    ours = random_state.raw_key(seed)
    theirs = jax.random.PRNGKey(seed)
    assert ours.dtype == theirs.dtype and ours.shape == theirs.shape
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))
    # and it draws the same numbers
    np.testing.assert_array_equal(np.asarray(jax.random.uniform(ours, (3,))),
                                  np.asarray(jax.random.uniform(theirs, (3,))))


def test_key_stream_repeats_after_set_random_seed():
    random_state.set_random_seed(3)
    a = [np.asarray(random_state.next_key()) for _ in range(3)]
    random_state.set_random_seed(3)
    b = [np.asarray(random_state.next_key()) for _ in range(3)]
    np.testing.assert_array_equal(np.stack(a), np.stack(b))
    assert len({tuple(k) for k in a}) == 3
