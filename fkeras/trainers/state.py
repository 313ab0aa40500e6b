"""The training state as one pytree, and how a model's Variables map onto it (DESIGN §3.2)."""
from __future__ import annotations

from typing import Any, Union

import flax.struct
import jax
import jax.numpy as jnp
import optax

from fkeras.optimizers.training_state import trainable_items

PyTree = Any  # nested dicts / lists / tuples of arrays
VariableTree = Union[dict, list]  # {"dense": {"kernel": ...}} by variable path, or a Keras-form flat list


@flax.struct.dataclass
class TrainState:
    """Everything a training step reads and writes, as one pytree.

    A trainer builds one when a fit (or ``train_on_batch``, ``evaluate``) starts, passes it through
    the jitted ``train_step(state, data) -> (state, logs)`` and writes it back at each epoch end:
    the values onto the model's Variables, ``opt_state`` and ``step`` to the optimizer that owns
    them (``fkeras.optimizers.training_state``), the metric values onto the metrics.

    Attributes:
        trainable: the trainable variables' values, a nested dict keyed by variable path
            (``{"dense": {"kernel": ...}}``); a flat list in ``model.trainable_variables`` order for
            a model that overrides ``train_step`` (Keras's form).
        non_trainable: the non-trainable variables' values, in the same form.
        opt_state: the optimizer's optax state over ``trainable`` (a flat list of
            ``optimizer.variables`` values in Keras's form); None when nothing is trained.
        metrics: the compiled metrics' variables (a tuple per metric; a flat list in Keras's form).
        rng: the PRNG key the step splits (``uint32[2]``).
        step: optimizer steps taken so far (``int32`` scalar); becomes ``optimizer.iterations``.
        cursor: batch index within the current epoch (``int32`` scalar; a chunk's batch is
            ``cursor % its length``).
    """

    trainable: VariableTree
    non_trainable: VariableTree
    opt_state: optax.OptState | list | None
    metrics: PyTree
    rng: jax.Array
    step: jax.Array
    cursor: jax.Array


def _set_path(tree, path, value):
    node = tree
    for k in path[:-1]:
        node = node.setdefault(k, {})
    node[path[-1]] = value


def _get_path(tree, path):
    node = tree
    for k in path:
        node = node[k]
    return node


class Binding:
    """How the model's Variables map onto the trainable / non-trainable trees of the state."""

    def __init__(self, model):
        items = model._variable_items()
        self.t_items = trainable_items(model, items)  # the variables the optimizer's state is over
        trainable_ids = {id(v) for _, v in self.t_items}
        self.nt_items = [(p, v) for p, v in items if id(v) not in trainable_ids]
        self.var_by_id = {id(v): v for _, v in items}
        self.regularized = [(id(v), v.regularizer) for _, v in items if v.regularizer is not None
                            and id(v) in trainable_ids]
        self.constrained = [(p, v.constraint) for p, v in self.t_items if v.constraint is not None]
        self.rng_tags = model._rng_tags()
        self.signature = tuple((p, id(v)) for p, v in self.t_items) + (None,) + tuple(
            (p, id(v)) for p, v in self.nt_items)

    def trees(self, copy=False):
        t, nt = {}, {}
        for p, v in self.t_items:
            _set_path(t, p, v._value)
        for p, v in self.nt_items:
            _set_path(nt, p, v._value)
        return copy_tree((t, nt)) if copy else (t, nt)

    def bind(self, trainable, non_trainable):
        values = {id(v): _get_path(trainable, p) for p, v in self.t_items}
        values.update({id(v): _get_path(non_trainable, p) for p, v in self.nt_items})
        return values

    def nt_tree(self, values):
        out = {}
        for p, v in self.nt_items:
            _set_path(out, p, values[id(v)])
        return out

    def regularization(self, values):
        total = jnp.zeros((), jnp.float32)
        for vid, reg in self.regularized:
            total = total + jnp.asarray(reg(values[vid]), jnp.float32)
        return total

    def apply_constraints(self, trainable):
        if not self.constrained:
            return trainable
        trainable = jax.tree_util.tree_map(lambda x: x, trainable)
        for p, c in self.constrained:
            _set_path(trainable, p, c(_get_path(trainable, p)))
        return trainable

    def write_back(self, trainable, non_trainable, copy=True):
        if copy:
            trainable, non_trainable = copy_tree((trainable, non_trainable))
        for p, v in self.t_items:
            v._value = _get_path(trainable, p)
        for p, v in self.nt_items:
            v._value = _get_path(non_trainable, p)


@jax.jit
def copy_tree(tree: PyTree) -> PyTree:
    """Fresh buffers for every leaf, in one dispatch (state trees are donated to the step)."""
    return jax.tree_util.tree_map(jnp.copy, tree)


def place_state(state: TrainState, dist, binding: Binding, optimizer) -> TrainState:
    """Lay ``state`` out on ``dist``'s mesh (variables by their layouts, the rest replicated)."""
    b = binding
    paths = ["/".join(p) for p, _ in b.t_items + b.nt_items]
    dist.validate(paths)
    if jax.process_count() > 1:
        # Every process starts from process 0's values (initializers need not be seeded alike).
        from jax.experimental import multihost_utils

        state = jax.tree_util.tree_map(jnp.asarray, multihost_utils.broadcast_one_to_all(state))

    def place_tree(tree, items):
        out = {}
        for p, _ in items:
            leaf = _get_path(tree, p)
            _set_path(out, p, jax.device_put(leaf, dist.variable_sharding("/".join(p), leaf.ndim)))
        return out

    trainable = place_tree(state.trainable, b.t_items)
    non_trainable = place_tree(state.non_trainable, b.nt_items)
    rep = dist.replicated()
    opt_state = state.opt_state
    if opt_state is not None:
        # Optimizer slots follow their variables' layout (XLA propagates it through init);
        # a state carried over from an earlier fit is re-laid out the same way.
        shardings = jax.jit(optimizer.tx.init).lower(trainable).compile().output_shardings
        n_dev = len(rep.device_set)
        opt_state = jax.tree_util.tree_map(
            lambda a, sh: jax.device_put(a, sh if len(sh.device_set) == n_dev else rep), opt_state, shardings)
    put_rep = lambda t: jax.tree_util.tree_map(lambda a: jax.device_put(a, rep), t)  # noqa: E731
    return state.replace(trainable=trainable, non_trainable=non_trainable, opt_state=opt_state,
                         metrics=put_rep(state.metrics), rng=put_rep(state.rng), step=put_rep(state.step),
                         cursor=put_rep(state.cursor))
