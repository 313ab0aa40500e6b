"""The one route from data to the step (DESIGN §3.1): placement, per-epoch order, streaming.

An ``EpochIterator`` wraps a data adapter (``data_adapters.ArrayData`` or ``IterableData``)
and yields ``Feed`` items, each holding the arrays one jitted program reads its batches from:

Every feed is a chunk: the arrays of ``length`` batches stacked ``(length, batch, ...)``, from
which the step programs take batch ``state.cursor % length``. So the same compiled programs
serve every kind of data and every dataset size. A chunk is made one of three ways:

- Resident: on an accelerator, in-memory arrays that fit the device-memory budget are copied
  to the device once per fit (``evaluate``, ``predict``; validation data once per fit); arrays
  already on the device are used where they are. Under a distribution they are split by rows
  over the data axis (each device holds 1/n of them) and each chunk comes out split along the
  batch like a streamed one. Each epoch's order moves to the device once,
  and a small jitted gather builds each chunk there: no host work and no transfer per step.
  On the CPU backend, host (numpy) arrays are not copied: they already are in the memory the
  device computes from, so they take the streamed route below, which reads them in place.
- Streamed arrays (host arrays on the CPU backend, too big for the budget, or several
  processes, each feeding its own rows): worker threads gather the rows
  of a chunk (in the same per-epoch order, so both ways train alike) into reused host buffers,
  and a feeder thread moves each chunk to the device(s) while earlier steps run
  (``prefetch_depth`` chunks ahead).
- Iterables (generators, ``PyDataset``s, ``tf.data``/torch/grain loaders): the feeder thread
  reads, pads and transfers one batch per chunk ahead of the step.

The consumer hands each chunk back (``Feed.release(token)``) with an array the step produced;
its host buffer is written again only once that array is ready, so a buffer the device (or,
on the CPU, a zero-copy alias) still reads is never overwritten.
"""
from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import functools
import os
import queue
import threading
from typing import Any, Callable, Optional

import jax
import jax.numpy as jnp
import numpy as np

from fkeras.trainers import data_adapters as da

CHUNK_BYTES = 4 << 20  # streamed arrays: about this much data per chunk (a multiple of the fused steps)
MAX_CHUNK_STEPS = 128
DEFAULT_BUDGET_FRACTION = 0.5
DEFAULT_PREFETCH_DEPTH = 3
_ALIGN = 64  # XLA:CPU aliases host buffers aligned like this instead of copying them

_settings = {"budget": None, "depth": None, "gather_threads": None}


# --------------------------------------------------------------------------- settings

def set_resident_data_budget(budget=None):
    """How much device memory ``fit``/``evaluate``/``predict`` may use to keep in-memory arrays
    on the device: a fraction (0 < budget <= 1) of the device memory free when the data is
    placed, a number of bytes (an int > 1), 0 to always stream, or None for the default
    (``FKERAS_RESIDENT_DATA_BUDGET`` if set, else 0.5). On the CPU backend "device memory" is
    the host memory available, and numpy arrays are read in place rather than copied."""
    _settings["budget"] = _check_budget(budget, "budget")


def resident_data_budget():
    """The setting of ``set_resident_data_budget`` (None: the default)."""
    return _settings["budget"]


def set_prefetch_depth(depth=None):
    """How many streamed chunks may be prepared ahead of the step (None: 3)."""
    if depth is not None and (not isinstance(depth, int) or isinstance(depth, bool) or depth < 1):
        raise ValueError(f"`depth` must be a positive integer or None; received {depth!r}.")
    _settings["depth"] = depth


def _check_budget(budget, what):
    if budget is None:
        return None
    if isinstance(budget, bool) or not isinstance(budget, (int, float)) or budget < 0 or budget != budget:
        raise ValueError(f"`{what}` must be a fraction in (0, 1], a number of bytes, 0 or None; received {budget!r}.")
    return budget


def _budget_setting():
    budget = _settings["budget"]
    if budget is None:
        env = os.environ.get("FKERAS_RESIDENT_DATA_BUDGET")
        if env:
            try:
                budget = _check_budget(float(env), "FKERAS_RESIDENT_DATA_BUDGET")
            except ValueError:
                raise ValueError(f"FKERAS_RESIDENT_DATA_BUDGET must be a fraction in (0, 1] or a number of bytes; "
                                 f"found {env!r}.") from None
    return DEFAULT_BUDGET_FRACTION if budget is None else budget


def prefetch_depth():
    return _settings["depth"] or DEFAULT_PREFETCH_DEPTH


def host_available_bytes():
    """Host memory available to new allocations (``MemAvailable``), or None if unknown."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (ValueError, OSError, AttributeError):
        return None


def free_device_bytes(devices):
    """Free memory of ``devices`` together (the smallest free amount times their number, as data
    is split evenly), from the allocator's statistics; the host's on the CPU backend."""
    free = []
    for d in devices:
        try:
            stats = d.memory_stats()
        except Exception:  # noqa: BLE001 - a backend without statistics
            stats = None
        if stats and "bytes_limit" in stats:
            free.append(int(stats["bytes_limit"]) - int(stats.get("bytes_in_use", 0)))
    if free:
        return min(free) * len(devices)
    host = host_available_bytes()
    return host if host is not None else 0


def resident_budget_bytes(devices):
    budget = _budget_setting()
    if budget == 0:
        return 0
    if budget > 1:
        return int(budget)
    return int(budget * free_device_bytes(devices))


# --------------------------------------------------------------------------- host buffers

def aligned_empty(shape, dtype):
    """An uninitialized numpy array whose data starts on a 64-byte boundary."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    raw = np.empty(nbytes + _ALIGN, np.uint8)
    off = (-raw.ctypes.data) % _ALIGN
    return raw[off:off + nbytes].view(dtype).reshape(shape)


class BufferPool:
    """Host buffers kept between fits on the CPU backend, so the pages of large data are mapped
    once, not on every fit. A buffer in use is never handed out twice (a ``model.evaluate`` inside
    a callback gets its own)."""

    def __init__(self, max_bytes=None):
        self._free = []  # (key, buffer), oldest first
        self._lock = threading.Lock()
        if max_bytes is None:
            try:
                max_bytes = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 4
            except (ValueError, OSError, AttributeError):
                max_bytes = 1 << 30
        self.max_bytes = max_bytes

    def take(self, shape, dtype):
        key = (tuple(shape), np.dtype(dtype).str)
        with self._lock:
            for i, (k, buf) in enumerate(self._free):
                if k == key:
                    del self._free[i]
                    return buf
        return aligned_empty(shape, dtype)

    def give(self, buf):
        with self._lock:
            self._free.append(((buf.shape, buf.dtype.str), buf))
            total = sum(b.nbytes for _, b in self._free)
            while self._free and total > self.max_bytes:  # forget the least recently used
                total -= self._free.pop(0)[1].nbytes

    def nbytes(self):
        with self._lock:
            return sum(b.nbytes for _, b in self._free)

    def clear(self):
        with self._lock:
            self._free.clear()


def _size(nbytes):
    for unit, scale in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if nbytes >= scale:
            return f"{nbytes / scale:,.1f} {unit}"
    return f"{nbytes} bytes"


def gather_threads():
    return max(1, min(4, os.cpu_count() or 1))


# --------------------------------------------------------------------------- device side

@functools.partial(jax.jit, static_argnames=("length", "batch", "masked", "dist"))
def _gather_chunk(arrays, order, start, needed, *, length, batch, masked, dist=None):
    """Batches ``start .. start + length`` of the epoch from device-resident ``arrays`` (x, y,
    sample_weight) as a chunk ``(x, y, sw, mask)`` stacked ``(length, batch, ...)``; under a
    distribution ``dist`` the chunk is split along the batch axis like a streamed one. (From
    arrays split over the devices by rows, XLA gathers each device's rows locally and sums the
    parts across devices: every row comes from one device, the others add zeros.)"""
    idx = jax.lax.dynamic_slice_in_dim(order, start * batch, length * batch)

    def split(out):
        return out if dist is None else jax.lax.with_sharding_constraint(out, dist.batch_sharding(out.ndim, 1))

    chunk = jax.tree_util.tree_map(
        lambda a: split(jnp.take(a, idx, axis=0, mode="clip").reshape((length, batch) + a.shape[1:])), arrays)
    mask = None
    if masked:
        pos = start * batch + jnp.arange(length * batch)
        mask = split((pos < needed).astype(jnp.float32).reshape(length, batch))
    return tuple(chunk) + (mask,)


# --------------------------------------------------------------------------- feeds

@dataclasses.dataclass
class Feed:
    """A chunk that one or more calls of a step program read their batches from.

    ``arrays`` is ``(x, y, sample_weight, mask)`` on the device(s), stacked ``(length, batch,
    ...)`` (``mask`` is None without padded rows). ``start`` is the epoch index of its first
    batch, ``steps`` how many of its batches are used, ``first`` the one to begin at (a resumed
    epoch). ``real`` (host, ``(steps, batch)``) marks the real rows. ``release(token)`` hands its
    buffers back once ``token`` (an array a later step produces) is ready."""

    arrays: Any
    start: int
    steps: int
    length: int
    real: Optional[np.ndarray] = None
    first: int = 0
    release: Callable[[Any], None] = lambda token: None


class _Stop(Exception):
    pass


class _Feeder:
    """A background thread producing feeds into a bounded queue; ``close`` ends it at once."""

    def __init__(self, produce, depth):
        self._q = queue.Queue(maxsize=max(1, depth))
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(produce,), name="fkeras-feeder", daemon=True)
        self._thread.start()

    def _run(self, produce):
        try:
            for item in produce(self):
                self.put(("item", item))
            self.put(("end", None))
        except _Stop:
            pass
        except BaseException as e:  # noqa: BLE001 - re-raised in the consumer
            try:
                self.put(("error", e))
            except _Stop:
                pass

    def put(self, msg):
        while True:
            if self._stop.is_set():
                raise _Stop
            try:
                self._q.put(msg, timeout=0.05)
                return
            except queue.Full:
                continue

    def wait(self, q):
        """Get from another queue, giving up when closed."""
        while True:
            if self._stop.is_set():
                raise _Stop
            try:
                return q.get(timeout=0.05)
            except queue.Empty:
                continue

    def stopped(self):
        return self._stop.is_set()

    def __iter__(self):
        while True:
            kind, item = self._q.get()
            if kind == "end":
                return
            if kind == "error":
                raise item
            yield item

    def close(self, timeout=5.0):
        self._stop.set()
        while True:  # drop what was made ahead (frees its device buffers)
            try:
                self._q.get_nowait()
            except queue.Empty:
                break
        self._thread.join(timeout)


def _place_rows(a, rows, sharding):
    """``a`` on the device(s) of ``sharding``, its rows padded with zeros to ``rows`` (a split over
    n devices needs a multiple of n; the padding is never read). Numpy arrays go to each device
    part by part, with no padded host copy."""
    pad = rows - a.shape[0]
    if isinstance(a, jax.Array):
        if not pad:
            return jax.device_put(a, sharding)
        return jax.jit(lambda v: jnp.pad(v, [(0, pad)] + [(0, 0)] * (v.ndim - 1)), out_shardings=sharding)(a)
    a = np.asarray(a)
    if not pad:
        return jax.device_put(a, sharding)

    def part(index):
        start, stop, _ = index[0].indices(rows)
        block = a[start:min(stop, a.shape[0])]
        if stop > a.shape[0]:
            block = np.concatenate([block, np.zeros((stop - max(start, a.shape[0]),) + a.shape[1:], a.dtype)])
        return block[(slice(None),) + tuple(index[1:])]

    return jax.make_array_from_callback((rows,) + a.shape[1:], sharding, part)


def _numeric(a):
    return a is None or getattr(a, "dtype", np.dtype("float32")).kind in "biuf"


class EpochIterator:
    """The feeds of one adapter for fit, evaluate or predict (see the module docstring).

    ``multiple``: chunks hold a multiple of this many batches (``steps_per_execution``);
    ``prefer``: a multiple of this many when chunks are that long anyway (the steps fit may fuse
    by itself). ``pool`` (CPU backend): where host buffers are kept between fits. Arrays go to the
    device when ``allow_resident`` and they fit ``resident_budget_bytes``; ``notice`` then says
    why they stream instead, if they do not.
    """

    def __init__(self, data, *, distribution=None, put=None, multiple=1, prefer=1, pool=None, allow_resident=True,
                 what="data"):
        self.data = data
        self.what = what
        self.dist = distribution
        self.put = put or da.make_put(distribution, batch_axis=1)
        self.multiple = max(1, int(multiple))
        self.prefer = max(1, int(prefer))
        self.pool = pool
        self.notice = None
        self._resident = None
        self.resident = False
        if data.kind == "arrays" and data.numeric() and allow_resident:
            self.resident = self._try_place()

    # --- placement -------------------------------------------------------------------------
    def _device(self):
        return jax.devices()[0]

    def _devices(self):
        if self.dist is not None:
            return list(self.dist.device_mesh.jax_mesh.devices.flat)
        return [self._device()]

    def _sharding(self, ndim):
        """Where a resident array lives: on the device, or under a distribution split along its
        rows over the data axis (each device holds 1/n of the data)."""
        if self.dist is not None:
            return self.dist.batch_sharding(ndim, 0)
        return jax.sharding.SingleDeviceSharding(self._device())

    def _row_bytes(self):
        d = self.data
        leaves = jax.tree_util.tree_leaves((d.x, d.y, d.sample_weight))
        return sum(int(np.prod(np.shape(l)[1:], dtype=np.int64)) * np.dtype(l.dtype).itemsize for l in leaves)

    def _try_place(self):
        d = self.data
        if jax.process_count() > 1:
            return False  # each process streams its own rows of every batch
        devices = self._devices()
        leaves, treedef = jax.tree_util.tree_flatten((d.x, d.y, d.sample_weight))
        if devices[0].platform == "cpu" and not all(isinstance(a, jax.Array) for a in leaves):
            # Host arrays already are in the memory the CPU device computes from: gather threads
            # read them in place into buffers the device aliases. A resident copy would only add
            # a copy of the data (and its page faults) to every fit.
            return False
        if _budget_setting() == 0:
            return False
        n_dev = self.dist.num_replicas_in_sync if self.dist is not None else 1
        rows = -(-d.n // n_dev) * n_dev  # padded to split evenly over the data axis
        there = [isinstance(a, jax.Array) and a.shape[0] == rows and a.sharding.is_equivalent_to(
            self._sharding(a.ndim), a.ndim) for a in leaves]
        new_bytes = sum(int(np.prod(np.shape(l)[1:], dtype=np.int64)) * np.dtype(l.dtype).itemsize
                        for l, t in zip(leaves, there) if not t) * rows
        need = new_bytes + 2 * self._row_bytes() * self.chunk_length() * d.batch_size  # and two gathered chunks
        budget = resident_budget_bytes(devices)
        if need > budget:
            self.notice = (f"fkeras: the {self.what} needs {_size(need)} of device memory ({_size(new_bytes)} "
                           f"of arrays plus the chunks gathered from them), more than the device-memory budget "
                           f"of {_size(budget)}; streaming it chunk by chunk instead. "
                           "See keras.config.set_resident_data_budget.")
            return False
        placed = [a if t else _place_rows(a, rows, self._sharding(np.ndim(a))) for a, t in zip(leaves, there)]
        self._resident = jax.tree_util.tree_unflatten(treedef, placed)
        return True

    def close(self):
        """Drop the resident arrays (the device frees them once the last step that read them is
        done)."""
        self._resident = None

    # --- order ---------------------------------------------------------------------------
    def chunk_length(self):
        """Batches per chunk: about CHUNK_BYTES of data (at most MAX_CHUNK_STEPS), a multiple of
        ``multiple``; independent of the number of samples, so fits on data of any size share
        their programs."""
        steps = min(max(1, int(CHUNK_BYTES // max(1, self._row_bytes() * self.data.batch_size))), MAX_CHUNK_STEPS)
        if steps >= self.prefer:
            steps -= steps % self.prefer
        return max(self.multiple, steps - steps % self.multiple)

    def _order(self, seed, epoch, total):
        """The epoch's row order (host int32, ``total`` positions; padding positions read row 0)
        and how many positions are real. A permutation of the rows from ``(seed, epoch)`` (one
        per pass when ``steps_per_epoch`` asks for more than the data), made on the host — a few
        ms for a million rows, no program to compile per dataset size — and moved to the device
        once per epoch by the resident path."""
        d = self.data
        idx, mask = d.epoch_indices(np.random.default_rng([seed, epoch]))
        order = np.zeros(total, np.int32)
        order[:len(idx)] = idx
        return order, int(mask.sum())

    def _real_rows(self, needed, steps):
        pos = np.arange(steps)[:, None] * self.data.batch_size + np.arange(self.data.batch_size)
        return (pos < needed).astype(np.float32)

    # --- epochs --------------------------------------------------------------------------------
    def epoch(self, epoch=0, seed=0, skip=0):
        """The feeds of one epoch, from batch ``skip`` on (a generator; closing it stops its
        threads at once)."""
        d = self.data
        d.on_epoch_begin()
        if d.kind == "arrays":
            feeds = self._arrays(epoch, seed, skip)
        else:
            feeds = self._stream_iterable(skip, np.random.default_rng([seed, epoch]))
        try:
            yield from feeds
        except GeneratorExit:  # the loop stopped early (stop_training): the epoch still ends
            feeds.close()
            d.on_epoch_end()
            raise
        d.on_epoch_end()

    def _arrays(self, epoch, seed, skip):
        d = self.data
        k = self.chunk_length()
        total_steps = -(-d.steps // k) * k
        order, needed = self._order(seed, epoch, total_steps * d.batch_size)
        masked = needed < d.steps * d.batch_size  # a partial last batch (padded, masked out)
        real = self._real_rows(needed, total_steps)
        if self.resident:
            n_needed = jnp.int32(needed)
            order = jax.device_put(order, self._sharding(0) if self.dist is None else self.dist.replicated())
            for c in range(skip // k, total_steps // k):
                chunk = _gather_chunk(self._resident, order, jnp.int32(c * k), n_needed, length=k,
                                      batch=d.batch_size, masked=masked, dist=self.dist)
                n_here = min(k, d.steps - c * k)
                yield Feed(chunk, start=c * k, steps=n_here, length=k, real=real[c * k:c * k + n_here],
                           first=max(0, skip - c * k))
            return
        yield from self._stream_arrays(order, real, masked, k, total_steps, skip)

    def _stream_arrays(self, order, real, masked, k, total_steps, skip):
        d = self.data
        lo, hi = d.rows if d.rows is not None else (0, d.batch_size)
        bs = hi - lo
        order = order.reshape(total_steps, d.batch_size)[:, lo:hi]  # this process's rows of each batch
        real_part = real[:, lo:hi]
        leaves, treedef = jax.tree_util.tree_flatten((d.x, d.y, d.sample_weight))
        leaves = [np.asarray(l) for l in leaves]
        depth = prefetch_depth()
        ring = [[self._buffer((k * bs,) + l.shape[1:], l.dtype) for l in leaves] for _ in range(depth)]
        contiguous = not d.shuffle and d.rows is None
        put = self.put
        threads = gather_threads()
        free = queue.Queue()  # (slot, token): a ring slot, free once its token is ready
        for slot in range(depth):
            free.put((slot, None))

        def produce(feeder):
            with cf.ThreadPoolExecutor(threads, thread_name_prefix="fkeras-gather") as pool:
                for c in range(skip // k, total_steps // k):
                    slot, token = feeder.wait(free)
                    if token is not None:
                        jax.block_until_ready(token)  # the steps that read this buffer are done
                    rows = order[c * k:(c + 1) * k].reshape(-1)
                    start = int(rows[0])
                    copy = contiguous and real_part[c * k:(c + 1) * k].all() and start + len(rows) <= d.n
                    jobs = []
                    for leaf, buf in zip(leaves, ring[slot]):
                        for a, b in _parts(len(rows), threads, buf.nbytes):
                            if copy:  # no shuffle: a slice copy
                                jobs.append(pool.submit(np.copyto, buf[a:b], leaf[start + a:start + b]))
                            else:  # mode="clip": numpy writes straight into `out` (no buffering)
                                jobs.append(pool.submit(np.take, leaf, rows[a:b], 0, buf[a:b], "clip"))
                    for job in jobs:
                        job.result()
                    x, y, sw = jax.tree_util.tree_unflatten(treedef, [b.reshape((k, bs) + b.shape[1:])
                                                                      for b in ring[slot]])
                    chunk = put((x, y, sw, real_part[c * k:(c + 1) * k] if masked else None))
                    n_here = min(k, d.steps - c * k)
                    yield Feed(chunk, start=c * k, steps=n_here, length=k, real=real[c * k:c * k + n_here],
                               first=max(0, skip - c * k), release=functools.partial(_release, free, slot))

        feeder = _Feeder(produce, depth - 1)
        try:
            yield from feeder
        finally:
            feeder.close()
            # Buffers come back once the steps that read them are done; a chunk that was never
            # handed back is left to the garbage collector (a zero-copy alias keeps it alive).
            while True:
                try:
                    slot, token = free.get_nowait()
                except queue.Empty:
                    break
                if _ready(token):
                    for b in ring[slot]:
                        self._give(b)

    def _buffer(self, shape, dtype):
        return self.pool.take(shape, dtype) if self.pool is not None else aligned_empty(shape, dtype)

    def _give(self, buf):
        if self.pool is not None:
            self.pool.give(buf)

    def _stream_iterable(self, skip, rng=None):
        d = self.data
        put = self.put
        batches = d.epoch_batches(rng=rng)  # a shuffled PyDataset's batch order: from (seed, epoch)

        def produce(feeder):
            for i, ((bx, by, bsw), mask) in enumerate(batches):
                if feeder.stopped():
                    return
                if i < skip:  # resuming mid-epoch: the batches already trained on
                    continue
                one = lambda t: jax.tree_util.tree_map(lambda a: a[None], t)  # noqa: E731
                chunk = put((one(bx), one(by), one(bsw), mask[None]))
                yield Feed(chunk, start=i, steps=1, length=1, real=mask[None])

        feeder = _Feeder(produce, prefetch_depth() - 1)
        try:
            yield from feeder
        finally:
            feeder.close()
            try:
                batches.close()
            except ValueError:  # still running in a feeder thread stuck in the user's generator
                pass


def _ready(token):
    """Wait for ``token``; False when it cannot tell (a buffer donated by a failed step)."""
    try:
        jax.block_until_ready(token)
        return True
    except Exception:  # noqa: BLE001 - then the buffers are not reused, only garbage-collected
        return False


def _release(free, slot, token):
    free.put((slot, token))


def _parts(n, threads, nbytes):
    """Row ranges for the gather threads (one for small buffers)."""
    parts = 1 if nbytes < (4 << 20) else min(threads, n)
    edges = np.linspace(0, n, parts + 1).astype(int)
    return [(int(a), int(b)) for a, b in zip(edges[:-1], edges[1:]) if b > a]
