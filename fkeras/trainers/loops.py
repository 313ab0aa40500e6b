"""The loops of fit, evaluate and predict over an ``EpochIterator``'s chunks (DESIGN §3.1)."""
from __future__ import annotations

import contextlib

import jax.numpy as jnp
import numpy as np

from fkeras.trainers.keras_steps import real_rows
from fkeras.trainers.programs import ProgramKey


def for_each_batch(it, body, close=True, epoch=0, seed=0, skip=0):
    """Call ``body(feed, j, s)`` for batch ``j`` of each feed of one epoch of ``it`` (``s`` counts
    the epoch's batches); ``body`` returns an array its step produced, with which each feed is
    released. Closes ``it`` afterwards unless told not to. Returns the number of batches."""
    s, token = skip, None
    try:
        with contextlib.closing(it.epoch(epoch, seed, skip)) as feeds:
            for feed in feeds:
                for j in range(feed.first, feed.steps):
                    token = body(feed, j, s)
                    s += 1
                feed.release(token)
    finally:
        if close:
            it.close()
    return s


class TrainLoop:
    """The steps of fit's epochs: the program for each feed and call, batch callbacks, live state."""

    def __init__(self, model, cbs, spe, may_fuse):
        self.model, self.cbs, self.spe, self.may_fuse = model, cbs, spe, may_fuse
        self.hooks = cbs.needs_batch_hooks("train")
        # A callback reading weights per batch needs them written back after each step; ones that
        # only read the logs (progress bar, TensorBoard scalars, TerminateOnNaN) declare so.
        self.live_sync = any(getattr(c, "_needs_live_weights", True) for c in cbs._batch_users["train"])
        self.settles = {} if model._runs_inline() else None  # see StepPrograms._settled
        self.keras_form = model._keras_form("train")  # an overridden train_step sees unpadded batches
        self.exact = model._exact_rows_check("train")
        self.logs = None  # the last logs such a step returned
        self.programs = {}

    def program(self, k, rows=0):
        key = ProgramKey("train", k, rows)
        fn = self.programs.get(key)
        if fn is None:
            fn = self.programs[key] = self.model._program(key)
        return key, fn

    def results(self, state):
        """The logs after the last step (device arrays; nothing waits here)."""
        return self.logs if self.keras_form else self.model._results(state)

    def run_epoch(self, state, feeds, epoch, skip):
        """Train on every feed of one epoch; returns the state and the batch count reached."""
        m, cbs = self.model, self.cbs
        s = skip
        for feed in feeds:
            if self.may_fuse:  # decided once, from the first feed's one-step program
                self.spe = m._auto_steps(*self.program(1), state, feed.arrays)
                self.may_fuse = False
            spe = self.spe
            j = feed.first
            while j < feed.steps:
                # fused calls start at multiples of spe (a chunk's length is one; its batch is cursor % length)
                k = spe if feed.steps - j >= spe and j % spe == 0 and feed.length % spe == 0 else 1
                exact = self.exact()
                if exact and k > 1 and any(real_rows(feed, i) for i in range(j, j + k)):
                    k = 1  # the partial batch runs alone, with its real rows
                if self.hooks:
                    cbs.on_train_batch_begin(s)
                state = m._maybe_refresh_lr(state)
                key, fn = self.program(k, real_rows(feed, j) if exact and k == 1 else 0)
                settle = m._settled(self.settles, key, fn, state, feed.arrays)
                state = fn(state, feed.arrays)
                if self.keras_form:
                    state, self.logs = state
                if settle:
                    state.step.block_until_ready()
                j += k
                s += k
                if self.hooks:
                    m._live_state, m._live_position = state, (epoch, s)
                    if self.live_sync:
                        m._save_state(state)
                    cbs.on_train_batch_end(s - 1, _lazy_logs(self.results(state)))
                if m.stop_training:
                    break
            # the feed's buffers may be refilled once this (not donated) copy of the cursor is ready
            feed.release(jnp.copy(state.cursor))
            if m.stop_training:
                break
        return state, s


def _lazy_logs(logs):
    from fkeras.callbacks.callback import LazyLogs

    return LazyLogs(logs)


def _resolve_verbose(verbose):
    if verbose == "auto":
        from fkeras.utils.progbar import _is_interactive

        return 1 if _is_interactive() else 2
    if verbose not in (0, 1, 2, True, False):
        raise ValueError(f"`verbose` must be 'auto', 0, 1 or 2; received {verbose!r}.")
    return int(verbose)


def _should_validate(epoch, freq):
    if isinstance(freq, (int, np.integer)):
        return (epoch + 1) % freq == 0
    return (epoch + 1) in freq

