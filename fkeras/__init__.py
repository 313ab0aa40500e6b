"""fkeras: Keras, re-architected as pure functions on JAX.

``import fkeras as keras`` and write ordinary Keras code.
"""
from fkeras._version import __version__
from fkeras.backend import host_allocator as _host_allocator  # noqa: E402

# Before anything creates JAX's CPU client: run CPU steps on the launching thread, so that large
# XLA scratch buffers are reused instead of mapped afresh each step (see host_allocator).
_host_allocator.prefer_inline_cpu_execution()

from fkeras import (  # noqa: E402
    activations,
    applications,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribution,
    dtype_policies,
    export,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    preprocessing,
    quantizers,
    random,
    regularizers,
    saving,
    tree,
    tuner,
    utils,
    visualization,
    wrappers,
)
from fkeras.backend.device import device  # noqa: E402
from fkeras.dtype_policies import FloatDTypePolicy  # noqa: E402
from fkeras.dtype_policies.dtype_policy import DTypePolicy  # noqa: E402
from fkeras.engine.layer import InputSpec, Layer  # noqa: E402
from fkeras.engine.stateless_scope import StatelessScope, remat  # noqa: E402
from fkeras.engine.symbolic import KerasTensor  # noqa: E402
from fkeras.engine.variables import Variable  # noqa: E402
from fkeras.initializers import Initializer  # noqa: E402
from fkeras.layers.input_layer import Input  # noqa: E402
from fkeras.losses import Loss  # noqa: E402
from fkeras.metrics import Metric  # noqa: E402
from fkeras.models import Functional, Model, Sequential  # noqa: E402
from fkeras.optimizers import Optimizer  # noqa: E402
from fkeras.quantizers import Quantizer  # noqa: E402
from fkeras.regularizers import Regularizer  # noqa: E402


def version():
    """The fkeras version string (Keras 3's ``keras.version()``; ``keras.__version__`` too)."""
    return __version__
