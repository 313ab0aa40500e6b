"""``keras.distribution``: device meshes, layouts, and data/model parallel training on ``jax.sharding``.

A distribution is a ``jax.sharding.Mesh`` plus a rule for placing each variable and each batch.
``fit``/``evaluate``/``predict`` read the active distribution, place the training state by it
(replicated unless a ``LayoutMap`` says otherwise) and shard every batch along the data axis,
then run the same jitted step; XLA inserts the collectives. BatchNormalization statistics are
computed over the global batch (like ``SyncBatchNormalization``) and dropout masks differ across
devices (one key draws the mask for the whole global batch).

Example:
    keras.distribution.set_distribution(keras.distribution.DataParallel())
    model.fit(x, y, batch_size=256)
"""
from __future__ import annotations

import contextlib
import re
import threading

import jax
import numpy as np
from jax.sharding import Mesh, NamedSharding, PartitionSpec

_state = threading.local()
_GLOBAL = {"distribution": None}


def list_devices(device_type=None):
    """Device names such as ``'cpu:0'``.

    Args:
        device_type: ``'cpu'``, ``'gpu'`` or ``'tpu'``; None lists the default backend's devices.

    Returns:
        A list of strings ``'<platform>:<id>'``.
    """
    devices = jax.devices(device_type) if device_type else jax.devices()
    return [f"{d.platform}:{d.id}" for d in devices]


def get_device_count(device_type=None):
    """The number of devices of one type (never a mix of types), across all processes.

    Args:
        device_type: ``'cpu'``, ``'gpu'`` or ``'tpu'`` (any case). None counts the default
            backend's devices: the accelerators when there are any, else the CPUs.

    Returns:
        An int.

    Example:
        >>> keras.distribution.get_device_count("cpu")
        1
    """
    if device_type is not None and not isinstance(device_type, str):
        raise ValueError(f"`device_type` must be a string such as 'cpu', 'gpu' or 'tpu', or None. "
                         f"Received: device_type={device_type!r}")
    return jax.device_count(device_type.lower() if device_type else None)


def distribute_tensor(tensor, layout):
    """Place ``tensor`` according to ``layout`` (or constrain its sharding inside ``jax.jit``).

    Outside a trace the array is moved with ``jax.device_put`` (skipped when it already has an
    equivalent sharding); inside a jitted function it becomes a
    ``jax.lax.with_sharding_constraint``, so XLA lays the intermediate value out that way. A
    symbolic ``KerasTensor`` is returned unchanged (layouts apply to values, not to graphs).

    Args:
        tensor: A jax/numpy array (or a traced value inside ``jit``).
        layout: A ``TensorLayout`` (its ``device_mesh``, or else the active distribution's mesh,
            is used) or any ``jax.sharding.Sharding``.

    Returns:
        The array with the requested sharding.

    Example:
        >>> mesh = keras.distribution.DeviceMesh((4,), ("batch",))
        >>> layout = keras.distribution.TensorLayout(("batch", None), mesh)
        >>> x = keras.distribution.distribute_tensor(np.zeros((8, 2)), layout)   # rows split over 4 devices
    """
    from fkeras.engine.symbolic import KerasTensor

    if isinstance(tensor, KerasTensor):
        return tensor
    if isinstance(layout, TensorLayout):
        mesh = layout.device_mesh
        if mesh is None:
            active = distribution()
            mesh = active.device_mesh if active is not None else None
        if mesh is None:
            raise ValueError(f"distribute_tensor: the layout {layout} has no `device_mesh` and no distribution "
                             "is active; create it as TensorLayout(axes, device_mesh).")
        layout = layout.sharding(mesh, ndim=len(np.shape(tensor)))
    elif not isinstance(layout, jax.sharding.Sharding):
        raise ValueError("distribute_tensor: `layout` must be a keras.distribution.TensorLayout or a "
                         f"jax.sharding.Sharding. Received: layout={layout!r}")
    if isinstance(tensor, jax.core.Tracer):
        return jax.lax.with_sharding_constraint(tensor, layout)
    if isinstance(tensor, jax.Array) and tensor.sharding.is_equivalent_to(layout, tensor.ndim):
        return tensor
    return jax.device_put(tensor, layout)


def _resolve_devices(devices):
    if devices is None:
        return list(jax.devices())
    by_name = {f"{d.platform}:{d.id}": d for d in jax.devices()}
    out = []
    for d in devices:
        if isinstance(d, str):
            key = d.lower().replace("/device:", "").replace("/", "")
            if key not in by_name:
                raise ValueError(f"Unknown device {d!r}. Available devices: {sorted(by_name)}")
            out.append(by_name[key])
        else:
            out.append(d)
    return out


class DeviceMesh:
    """A logical mesh of devices: ``DeviceMesh(shape=(2, 4), axis_names=("batch", "model"))``.

    Args:
        shape: The mesh's size along each axis; the product must equal the number of devices.
        axis_names: One name per mesh axis (used by ``TensorLayout`` and ``batch_dim_name``).
        devices: Devices (``jax.Device`` objects or names such as ``'cpu:0'``); all by default.
    """

    def __init__(self, shape, axis_names, devices=None):
        shape = tuple(int(s) for s in shape)
        axis_names = tuple(axis_names)
        if len(shape) != len(axis_names):
            raise ValueError(f"Shape and axis_names cannot be mismatched. Received: shape={shape}, "
                             f"axis_names={axis_names}")
        devs = _resolve_devices(devices)
        if int(np.prod(shape)) != len(devs):
            raise ValueError(f"Shape {shape} does not match the number of devices {len(devs)}.")
        self.shape = shape
        self.axis_names = axis_names
        self.devices = np.asarray(devs, dtype=object).reshape(shape)
        self._mesh = Mesh(self.devices, axis_names)

    @property
    def jax_mesh(self):
        return self._mesh

    def __repr__(self):
        return f"<DeviceMesh shape={self.shape}, axis_names={self.axis_names}>"


class TensorLayout:
    """How one tensor is split over a mesh: one mesh-axis name (or None) per tensor dimension.

    Args:
        axes: One entry per tensor dimension: a mesh axis name to shard that dimension over, or
            None to keep it whole (replicated).
        device_mesh: The ``DeviceMesh`` the names refer to (may be set later, e.g. by a
            ``LayoutMap`` or the active distribution).
    """

    def __init__(self, axes, device_mesh=None):
        self.axes = tuple(axes)
        self.device_mesh = device_mesh

    def sharding(self, mesh, ndim=None):
        axes = self.axes
        if ndim is not None and len(axes) != ndim:
            raise ValueError(f"TensorLayout {axes} has {len(axes)} axes but the tensor has rank {ndim}.")
        return NamedSharding(mesh.jax_mesh, PartitionSpec(*axes))

    def __repr__(self):
        return f"<TensorLayout axes={self.axes}>"


class LayoutMap:
    """Regex keys matched against variable paths (``'dense/kernel'``) mapped to layouts.

    Args:
        device_mesh: The ``DeviceMesh`` the layouts' axis names refer to.

    Example:
        layout_map = LayoutMap(mesh)
        layout_map["dense.*kernel"] = (None, "model")
    """

    def __init__(self, device_mesh=None):
        self.device_mesh = device_mesh
        self._map = {}

    def __setitem__(self, key, layout):
        if not isinstance(layout, TensorLayout):
            layout = TensorLayout(layout, self.device_mesh)
        self._map[key] = layout

    def __getitem__(self, key):
        if key in self._map:
            return self._map[key]
        matches = [k for k in self._map if re.search(k, key)]
        if len(matches) > 1:
            raise ValueError(f"Path {key!r} matches multiple layout specification keys: {matches}. "
                             "Please make sure each tensor/variable path only matches at most one key.")
        return self._map[matches[0]] if matches else None

    def __contains__(self, key):
        return self[key] is not None

    def keys(self):
        return list(self._map)

    def __len__(self):
        return len(self._map)


class Distribution:
    """Base class: a device mesh, the name of its batch axis, and where variables go.

    Args:
        device_mesh: The ``DeviceMesh`` to run on.
        batch_dim_name: The mesh axis batches are split over (default: the mesh's first axis).
    """

    implementation = "sharded"

    def __init__(self, device_mesh, batch_dim_name=None):
        self.device_mesh = device_mesh
        self.batch_dim_name = batch_dim_name or device_mesh.axis_names[0]

    @property
    def num_replicas_in_sync(self):
        return int(self.device_mesh.shape[self.device_mesh.axis_names.index(self.batch_dim_name)])

    # The trainer asks these three questions.
    def variable_sharding(self, path, ndim):
        return NamedSharding(self.device_mesh.jax_mesh, PartitionSpec())

    def batch_sharding(self, ndim, leading=0):
        """Shard dimension ``leading`` (the batch dimension) along the data axis."""
        spec = [None] * ndim
        spec[leading] = self.batch_dim_name
        return NamedSharding(self.device_mesh.jax_mesh, PartitionSpec(*spec))

    def replicated(self):
        return NamedSharding(self.device_mesh.jax_mesh, PartitionSpec())

    def check_batch_size(self, batch_size):
        n = self.num_replicas_in_sync
        if batch_size % n:
            raise ValueError(
                f"The global batch size {batch_size} is not divisible by the {n} replicas of the "
                f"'{self.batch_dim_name}' mesh axis; use a batch size that is a multiple of {n}.")

    @contextlib.contextmanager
    def scope(self):
        """``with distribution.scope():`` makes this the active distribution inside the block."""
        prev = getattr(_state, "distribution", None)
        _state.distribution = self
        try:
            yield self
        finally:
            _state.distribution = prev

    def validate(self, variable_paths):
        pass


class DataParallel(Distribution):
    """Replicate the variables, shard every batch across all devices (or the given mesh).

    ``implementation`` chooses how the step is parallelised (both give the same results):

    - ``"sharded"`` (default): one ``jax.jit`` program over sharded arrays; XLA's partitioner
      inserts the collectives.
    - ``"pmap"``: the ``pmap`` programming model (written with ``jax.shard_map``): the step runs
      once per device on that device's slice of the batch, with explicit collectives —
      BatchNormalization sums its batch statistics across devices, predictions and targets are
      gathered so losses and metrics are computed on the global batch, and each device's
      dropout key is folded with its index. Gradients are summed across devices by the
      transpose of those collectives.

    Args:
        device_mesh: A one-axis (or, with ``"sharded"``, any) ``DeviceMesh``; default: a 1-D
            mesh named ``"batch"`` over ``devices``.
        devices: Devices to use when no mesh is given (all by default).
        auto_shard_dataset: Accepted for Keras compatibility (each process already feeds only
            its own rows of every batch).
        implementation: ``"sharded"`` or ``"pmap"`` (see above).

    Example:
        keras.distribution.set_distribution(keras.distribution.DataParallel())
        model.fit(x, y, batch_size=256)   # 256 rows per step, split over all devices
    """

    IMPLEMENTATIONS = ("sharded", "pmap")

    def __init__(self, device_mesh=None, devices=None, auto_shard_dataset=True, implementation="sharded"):
        if implementation not in self.IMPLEMENTATIONS:
            raise ValueError(f"DataParallel: `implementation` must be one of {self.IMPLEMENTATIONS}. "
                             f"Received: implementation={implementation!r}")
        if device_mesh is None:
            devs = _resolve_devices(devices)
            device_mesh = DeviceMesh((len(devs),), ("batch",), devs)
        elif implementation == "pmap" and len(device_mesh.shape) != 1:
            raise ValueError("DataParallel(implementation='pmap') needs a one-axis device mesh; received "
                             f"{device_mesh}. Use ModelParallel for several mesh axes.")
        super().__init__(device_mesh, device_mesh.axis_names[0])
        self.implementation = implementation


class ModelParallel(Distribution):
    """Place variables by a ``LayoutMap`` (sharded where it says, replicated elsewhere) and shard
    batches on ``batch_dim_name``. A layout key that matches no variable is an error.

    Args:
        device_mesh: The ``DeviceMesh``; defaults to the layout map's mesh.
        layout_map: A ``LayoutMap`` from variable-path patterns to layouts (required).
        batch_dim_name: The mesh axis batches are split over (default: the mesh's first axis).
        **kwargs: Other Keras arguments, accepted and ignored.
    """

    def __init__(self, device_mesh=None, layout_map=None, batch_dim_name=None, **kwargs):
        if layout_map is None:
            raise ValueError("ModelParallel needs a `layout_map`.")
        device_mesh = device_mesh or layout_map.device_mesh
        if device_mesh is None:
            raise ValueError("ModelParallel needs a `device_mesh` (pass it, or give it to the LayoutMap).")
        super().__init__(device_mesh, batch_dim_name)
        self.layout_map = layout_map

    def variable_sharding(self, path, ndim):
        layout = self.layout_map[path]
        if layout is None:
            return self.replicated()
        return layout.sharding(self.device_mesh, ndim)

    def validate(self, variable_paths):
        unused = [k for k in self.layout_map.keys() if not any(re.search(k, p) for p in variable_paths)]
        if unused:
            raise ValueError(
                f"LayoutMap keys {unused} match no variable of the model. Variable paths are: "
                f"{sorted(variable_paths)}")


class MirroredStrategy(DataParallel):
    """tf.distribute's spelling of data parallelism: ``with MirroredStrategy().scope(): ...``.

    As in tf.keras, a model compiled inside the scope keeps training data-parallel when
    ``fit`` is called after the block.

    Args:
        devices: Devices (or names such as ``'gpu:0'``) to mirror over; all by default.
        cross_device_ops: Accepted for tf.distribute compatibility; XLA chooses the collectives.
    """

    def __init__(self, devices=None, cross_device_ops=None):
        super().__init__(devices=devices)


def set_distribution(value):
    """Make ``value`` the global distribution (used by ``fit``/``evaluate``/``predict``).

    Args:
        value: A ``Distribution``, or None to go back to single-device execution.
    """
    if value is not None and not isinstance(value, Distribution):
        raise ValueError(f"Invalid `value` argument: expected a Distribution or None, received {value!r}")
    _GLOBAL["distribution"] = value


def distribution():
    """The active distribution (the innermost ``scope()``, else the global one), or None.

    Returns:
        A ``Distribution`` or None.
    """
    return getattr(_state, "distribution", None) or _GLOBAL["distribution"]


def initialize(job_addresses=None, num_processes=None, process_id=None):
    """Multi-host set-up over ``jax.distributed.initialize`` (coordinator = first job address).

    Call it first in every process; then ``jax.devices()`` lists the devices of all processes and
    a ``DataParallel()`` mesh spans them. ``fit``/``evaluate``/``predict`` on arrays (the same
    arrays in every process) make each process gather and transfer only the rows of each batch
    that land on its own devices; an iterable or ``PyDataset`` in each process yields that
    process's part of every batch (equal sizes and counts in all processes). Process 0's initial
    weights and shuffling seed are broadcast, and ``predict`` returns every row in every process.

    Args:
        job_addresses: The coordinator's ``"host:port"`` (or a comma-separated list / a list of
            addresses whose first entry is the coordinator); None lets JAX find it (TPU pods,
            SLURM).
        num_processes: Total number of processes.
        process_id: This process's index in ``[0, num_processes)``.

    Example:
        keras.distribution.initialize("10.0.0.1:1234", num_processes=2, process_id=0)
        keras.distribution.set_distribution(keras.distribution.DataParallel())
    """
    coordinator = job_addresses.split(",")[0] if isinstance(job_addresses, str) else (
        job_addresses[0] if job_addresses else None)
    jax.distributed.initialize(coordinator_address=coordinator, num_processes=num_processes,
                               process_id=process_id)
