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
from fkeras.distribution.distribution_lib import (
    DataParallel,
    DeviceMesh,
    Distribution,
    LayoutMap,
    MirroredStrategy,
    ModelParallel,
    TensorLayout,
    distribute_tensor,
    distribution,
    get_device_count,
    initialize,
    list_devices,
    set_distribution,
)

__all__ = ["DataParallel", "DeviceMesh", "Distribution", "LayoutMap", "MirroredStrategy", "ModelParallel",
           "TensorLayout", "distribute_tensor", "distribution", "get_device_count", "initialize", "list_devices",
           "set_distribution"]
