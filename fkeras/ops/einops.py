"""``keras.ops.rearrange``: einops-style axis reordering, merging and splitting.

A pattern reads ``"input axes -> output axes"``. Each side lists axis names; parentheses
group axes that are merged into one dimension (on the right) or split out of one (on the
left, with the missing lengths given as keyword arguments). ``...`` stands for any run of
axes, and ``1`` or ``()`` for a dimension of length one. Every name on one side must appear
on the other.

Example:
    >>> x = jnp.zeros((2, 4, 6, 3))
    >>> rearrange(x, "b h w c -> b c h w").shape
    (2, 3, 4, 6)
    >>> rearrange(x, "b (h h2) (w w2) c -> b h w (c h2 w2)", h2=2, w2=2).shape
    (2, 2, 3, 12)
"""
from __future__ import annotations

import math
import re

import jax.numpy as jnp

from fkeras.ops._dispatch import keras_op
from fkeras.ops._helpers import arr

_TOKEN = re.compile(r"\.\.\.|\(|\)|[A-Za-z_][A-Za-z0-9_]*|\d+|\S")
_ELLIPSIS = "..."
_GROUPED_ELLIPSIS = "(...)"  # '...' written inside parentheses: its axes merge into one


def _parse_side(text, pattern):
    """A side of the pattern as a list of groups; each group is a list of names (or '...')."""
    groups, current = [], None
    for token in _TOKEN.findall(text):
        if token == "(":
            if current is not None:
                raise ValueError(f"`rearrange`: nested parentheses are not allowed. Received: pattern={pattern!r}")
            current = []
        elif token == ")":
            if current is None:
                raise ValueError(f"`rearrange`: unbalanced ')'. Received: pattern={pattern!r}")
            groups.append(current)
            current = None
        elif token == "1":
            if current is None:
                groups.append([])  # a dimension of length one; inside a group a 1 changes nothing
        elif token == _ELLIPSIS or token[0].isalpha() or token[0] == "_":
            if current is not None:
                current.append(_GROUPED_ELLIPSIS if token == _ELLIPSIS else token)
            else:
                groups.append([token])
        else:
            raise ValueError(f"`rearrange`: unexpected token {token!r} in pattern {pattern!r}; "
                             "use axis names, '...', '1' and parentheses.")
    if current is not None:
        raise ValueError(f"`rearrange`: unbalanced '('. Received: pattern={pattern!r}")
    names = [a for g in groups for a in g]
    duplicates = {a for a in names if names.count(a) > 1}
    if duplicates:
        raise ValueError(f"`rearrange`: axis names {sorted(duplicates)} repeat on one side of {pattern!r}.")
    return groups


@keras_op
def rearrange(tensor, pattern, **axes_lengths):
    """Reorder, merge and split the axes of ``tensor`` as described by an einops ``pattern``.

    Args:
        tensor: Input tensor.
        pattern: A string ``"lhs -> rhs"`` in einops notation, e.g. ``"b h w c -> b (h w) c"``.
        **axes_lengths: Lengths of axes that are split out of a grouped input dimension
            (at most one length per group may be left out and is inferred).

    Returns:
        The rearranged tensor (a reshape / transpose / reshape of the input).

    Example:
        >>> rearrange(jnp.zeros((6, 5)), "(a b) c -> b (c a)", a=2).shape
        (3, 10)
    """
    x = arr(tensor)
    if not isinstance(pattern, str) or pattern.count("->") != 1:
        raise ValueError(f"`rearrange`: `pattern` must be a string 'input -> output'. Received: pattern={pattern!r}")
    lhs_text, rhs_text = pattern.split("->")
    lhs, rhs = _parse_side(lhs_text, pattern), _parse_side(rhs_text, pattern)
    if any(_GROUPED_ELLIPSIS in g for g in lhs):
        raise ValueError(f"`rearrange`: '...' cannot be grouped on the input side of {pattern!r}.")
    lhs_names = [a for g in lhs for a in g]
    rhs_names = [_ELLIPSIS if a == _GROUPED_ELLIPSIS else a for g in rhs for a in g]
    if set(lhs_names) != set(rhs_names):
        raise ValueError(f"`rearrange`: both sides of {pattern!r} must name the same axes. Only on the left: "
                         f"{sorted(set(lhs_names) - set(rhs_names))}; only on the right: "
                         f"{sorted(set(rhs_names) - set(lhs_names))}.")
    unknown = set(axes_lengths) - set(lhs_names)
    if unknown:
        raise ValueError(f"`rearrange`: axes_lengths names {sorted(unknown)} that are not in pattern {pattern!r}.")

    # Expand '...' into as many anonymous axes as the tensor has left over.
    if _ELLIPSIS in lhs_names:
        n_ell = x.ndim - (len(lhs) - 1)
        if n_ell < 0:
            raise ValueError(f"`rearrange`: pattern {pattern!r} needs at least {len(lhs) - 1} axes. "
                             f"Received: shape={x.shape}")
        ell = [f"...{i}" for i in range(n_ell)]
        i = lhs.index([_ELLIPSIS])
        lhs = lhs[:i] + [[a] for a in ell] + lhs[i + 1:]
        expanded = []
        for g in rhs:  # a bare '...' keeps its axes apart; inside parentheses they merge
            if g == [_ELLIPSIS]:
                expanded.extend([a] for a in ell)
            else:
                expanded.append([e for a in g for e in (ell if a == _GROUPED_ELLIPSIS else [a])])
        rhs = expanded
    if len(lhs) != x.ndim:
        raise ValueError(f"`rearrange`: the input side of {pattern!r} has {len(lhs)} dimensions but the "
                         f"tensor has shape {x.shape}.")

    # Lengths of every elementary axis, from the tensor shape and axes_lengths.
    sizes = {}
    for group, dim in zip(lhs, x.shape, strict=True):
        known = [a for a in group if a in axes_lengths]
        missing = [a for a in group if a not in axes_lengths]
        if len(missing) > 1:
            raise ValueError(f"`rearrange`: cannot infer the lengths of {missing} in group {group} of {pattern!r}; "
                             "pass all but one of them as keyword arguments.")
        known_product = math.prod(int(axes_lengths[a]) for a in known)
        if missing:
            if known_product == 0 or dim % known_product:
                raise ValueError(f"`rearrange`: dimension {dim} cannot be split into {group} with "
                                 f"{ {a: axes_lengths[a] for a in known} }.")
            sizes[missing[0]] = dim // known_product
        elif known_product != dim:
            raise ValueError(f"`rearrange`: group {group or '1'} has length {known_product} but the tensor "
                             f"dimension is {dim}.")
        sizes.update({a: int(axes_lengths[a]) for a in known})

    elementary = [a for g in lhs for a in g]
    x = jnp.reshape(x, [sizes[a] for a in elementary])
    order = [elementary.index(a) for g in rhs for a in g]
    x = jnp.transpose(x, order)
    return jnp.reshape(x, [math.prod(sizes[a] for a in g) for g in rhs])
