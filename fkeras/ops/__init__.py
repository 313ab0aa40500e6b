"""``keras.ops``: the flat op namespace (``keras.ops.matmul``) plus the submodules
``keras.ops.numpy``, ``keras.ops.nn``, ``keras.ops.linalg``, ``keras.ops.math``, ``keras.ops.core``,
``keras.ops.image``.

Example:
    >>> from fkeras import ops
    >>> ops.matmul(ops.ones((2, 3)), ops.ones((3, 4))).shape
    (2, 4)
"""
# ruff: noqa: F401, A004
from fkeras.ops import core, image, linalg, math, nn, numpy
from fkeras.ops.core import (
    associative_scan, cast, cond, convert_to_numpy, convert_to_tensor, custom_gradient, dtype,
    dynamic_update_slice, fori_loop, is_tensor, map, saturate_cast, scan, scatter,
    scatter_update, shape, slice, slice_update, stop_gradient, switch, unstack, vectorized_map,
    while_loop,
)
from fkeras.ops.numpy import (
    abs, absolute, add, all, amax, amin, any, append, arange, arccos, arccosh, arcsin, arcsinh,
    arctan, arctan2, arctanh, argmax, argmin, argpartition, argsort, array, average, bincount,
    bitwise_and, bitwise_invert, bitwise_or, bitwise_xor, broadcast_to, ceil, clip,
    concatenate, conj, conjugate, copy, correlate, cos, cosh, count_nonzero, cross, cumprod,
    cumsum, diag, diagonal, diff, digitize, divide, divide_no_nan, dot, dstack, einsum, empty,
    equal, exp, exp2, expand_dims, expm1, eye, flip, floor, floor_divide, full, full_like,
    get_item, greater, greater_equal, hstack, hypot, identity, imag, inner, isclose, isfinite,
    isinf, isnan, less, less_equal, linspace, log, log10, log1p, log2, logaddexp, logical_and,
    logical_not, logical_or, logical_xor, logspace, matmul, max, maximum, mean, median,
    meshgrid, min, minimum, mod, moveaxis, multiply, nan_to_num, ndim, negative, nonzero,
    not_equal, ones, ones_like, outer, pad, power, prod, quantile, ravel, real, reciprocal,
    repeat, reshape, roll, rot90, round, searchsorted, select, sign, sin, sinh, size, sort,
    split, sqrt, square, squeeze, stack, std, subtract, sum, swapaxes, take, take_along_axis,
    tan, tanh, tensordot, tile, trace, transpose, tri, tril, triu, true_divide, trunc, var,
    vdot, vstack, where, zeros, zeros_like,
)
from fkeras.ops.math import (
    erf, erfinv, extract_sequences, fft, fft2, ifft2, in_top_k, irfft, logdet, logsumexp, qr,
    rfft, rsqrt, segment_max, segment_sum, top_k,
)
# The rest of Keras 3's op set, defined in family modules (and re-exported by numpy/nn/linalg/math).
from fkeras.ops.array_manipulation import (
    array_split, diagflat, dsplit, empty_like, fliplr, flipud, geomspace, hsplit, kron, unique,
    unravel_index, vander, vectorize, view, vsplit,
)
from fkeras.ops.ctc import ctc_decode, ctc_loss
from fkeras.ops.einops import rearrange
from fkeras.ops.elementwise import (
    allclose, angle, bitwise_left_shift, bitwise_not, bitwise_right_shift, cbrt, deg2rad, fabs, fmax,
    fmin, fmod, gcd, heaviside, i0, isin, isneginf, isposinf, isreal, lcm, ldexp, left_shift,
    logaddexp2, nextafter, rad2deg, right_shift, signbit, sinc,
)
from fkeras.ops.linalg import cholesky_inverse, jvp, matrix_rank, pinv
from fkeras.ops.math import (
    cdist, erfc, istft, polar, segment_min, segment_prod, stft, view_as_complex, view_as_real,
)
from fkeras.ops.signal import bartlett, blackman, hamming, hanning, kaiser
from fkeras.ops.spatial import (
    adaptive_average_pool, adaptive_max_pool, depth_to_space, fold, space_to_depth, unfold,
)
from fkeras.ops.statistics import (
    corrcoef, histogram, nanargmax, nanargmin, nancumprod, nancumsum, nanmax, nanmean, nanmedian,
    nanmin, nanpercentile, nanprod, nanquantile, nanstd, nansum, nanvar, percentile, ptp, trapezoid,
)
from fkeras.ops.linalg import (
    cholesky, det, eig, eigh, inv, lstsq, lu_factor, norm, slogdet, solve, solve_triangular,
    svd,
)
from fkeras.ops.nn import (
    average_pool, batch_normalization, binary_crossentropy, categorical_crossentropy, celu,
    conv, conv_transpose, depthwise_conv, dot_product_attention, elu, gelu, glu, hard_shrink,
    hard_sigmoid, hard_silu, hard_swish, hard_tanh, layer_normalization, leaky_relu,
    log_sigmoid, log_softmax, max_pool, moments, multi_hot, normalize, one_hot, psnr, relu,
    relu6, rms_normalization, selu, separable_conv, sigmoid, silu, soft_shrink, softmax,
    softplus, softsign, sparse_categorical_crossentropy, sparse_plus, sparse_sigmoid,
    sparsemax, squareplus, swish, tanh_shrink, threshold,
)
