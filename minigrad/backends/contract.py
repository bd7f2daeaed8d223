"""The backend contract: the names every device module provides, with their signatures.

A backend is a module of flat functions (needle's design): ``minigrad.backends.numpy`` (the
reference, plain NumPy), ``minigrad.backends.cpu`` (NumPy + Numba kernels) and
``minigrad.backends.cuda`` (CuPy + Numba CUDA kernels) all define every name below, with the same
signature and the same meaning. Ops reach them as ``ctx.backend.NAME`` and ``ctx.xp``; nothing in
``ops/``, ``nn/``, ``optim/`` or the autograd engine touches a device's arrays any other way.

Arrays in the signatures are *backend arrays* (``np.ndarray`` on "cpu", ``cupy.ndarray`` on
"cuda"); ``gen`` is the ``np.random.Generator`` that ``minigrad.random.rng(generator)`` returns,
the one stream a seed controls on every device. Kernels return new arrays unless they say
"in place"; they accept any layout (non-contiguous views included) and check shapes and dtypes
before a kernel indexes anything (a ValueError or TypeError naming the kernel).

``tests/test_backends.py`` checks that every backend defines every name here.
"""

# Generic names: where arrays live and how they are made. ----------------------------------------
GENERIC = {
    "device": 'the device string: "cpu" or "cuda"',
    "xp": "the array namespace for generic array work (numpy on the CPU, cupy on a GPU)",
    "from_numpy": "from_numpy(a) -> a backend array with a's values (no copy on the CPU)",
    "to_numpy": "to_numpy(a) -> an np.ndarray with a's values (no copy on the CPU)",
    "asarray": "asarray(value, dtype=None) -> a backend array of a number, nested lists or a backend array",
    "empty": "empty(shape, dtype) -> an uninitialised array",
    "zeros": "zeros(shape, dtype) -> an array of zeros",
    "ones": "ones(shape, dtype) -> an array of ones",
    "full": "full(shape, value, dtype) -> an array filled with value",
    "rand": "rand(gen, shape, dtype) -> samples of U[0, 1)",
    "randn": "randn(gen, shape, dtype) -> samples of N(0, 1)",
    "randint": "randint(gen, low, high, shape) -> int64 samples of {low, ..., high - 1}",
    "randperm": "randperm(gen, n) -> a random permutation of 0..n-1, int64",
    "synchronize": "synchronize() -> None: wait until every queued kernel has finished (no-op on the CPU)",
    "index_add": "index_add(out, index, values) -> None: out[index] += values in place, adding where an "
    "index repeats (NumPy's np.add.at): the backward of indexing",
    "quiet": "quiet() -> a context manager in which IEEE results (1/0 = inf, 0/0 = nan, log(0) = -inf) "
    "raise no warnings",
}

# Fused kernels. ---------------------------------------------------------------------------------
# Activations: f(x) forward, g * f'(x) backward (sigmoid and tanh are differentiated from their
# output y). ``out=`` (forward only) names a contiguous array of x's shape and dtype to write into:
# the in-place variants (relu_, ...) pass the input itself.
_ACTIVATION = {
    "sigmoid": ("sigmoid_forward(x, out=None)", "sigmoid_backward(g, y)"),
    "tanh": ("tanh_forward(x, out=None)", "tanh_backward(g, y)"),
    "relu": ("relu_forward(x, out=None)", "relu_backward(g, x)"),
    "relu6": ("relu6_forward(x, out=None)", "relu6_backward(g, x)"),
    "leaky_relu": ("leaky_relu_forward(x, negative_slope, out=None)", "leaky_relu_backward(g, x, negative_slope)"),
    "elu": ("elu_forward(x, alpha, out=None)", "elu_backward(g, x, alpha)"),
    "selu": ("selu_forward(x, out=None)", "selu_backward(g, x)"),
    "celu": ("celu_forward(x, alpha, out=None)", "celu_backward(g, x, alpha)"),
    "hardtanh": ("hardtanh_forward(x, min_val, max_val, out=None)", "hardtanh_backward(g, x, min_val, max_val)"),
    "silu": ("silu_forward(x, out=None)", "silu_backward(g, x)"),
    "mish": ("mish_forward(x, out=None)", "mish_backward(g, x)"),
    "softsign": ("softsign_forward(x, out=None)", "softsign_backward(g, x)"),
    "hardsigmoid": ("hardsigmoid_forward(x, out=None)", "hardsigmoid_backward(g, x)"),
    "hardswish": ("hardswish_forward(x, out=None)", "hardswish_backward(g, x)"),
    "softplus": ("softplus_forward(x, beta, threshold, out=None)", "softplus_backward(g, x, beta, threshold)"),
    "gelu": ('gelu_forward(x, approximate="none", out=None)', 'gelu_backward(g, x, approximate="none")'),
    "swish": (
        "swish_forward(x, beta, out=None)",
        "swish_backward(g, x, beta, need_beta_grad=False) -> (dx, dbeta: a float or None)",
    ),
    "prelu": (
        "prelu_forward(x, weight, out=None)  (weight: 1 slope, or one per channel of dim 1)",
        "prelu_backward(g, x, weight, need_weight_grad=True) -> (dx, dweight shaped like weight, or None)",
    ),
    "maxout": (
        "maxout_forward(x, pieces, dim=1) -> the max over consecutive groups of `pieces` along dim",
        "maxout_backward(g, x, pieces, dim=1) -> dx (the gradient goes to the first arg-max of a group)",
    ),
}

KERNELS = {}
for _fwd, _bwd in _ACTIVATION.values():
    KERNELS[_fwd.split("(")[0]] = _fwd
    KERNELS[_bwd.split("(")[0]] = _bwd
# The names every backend's activation module defines (its KERNELS).
ACTIVATION_KERNELS = tuple(KERNELS)

KERNELS.update(
    {
        # Normalisation (ops/normalization.py explains the (P, Q, K, S) view and the affine layout).
        "norm_forward": "norm_forward(x4, w3, b3, eps, center=True) -> (y, mean, var, rstd); "
        "x4: (P, Q, K, S), w3/b3: (Qw, K, 1) or (Qw, K, S); mean, biased var, rstd: float64 (Q,)",
        "norm_apply": "norm_apply(x4, w3, b3, mean, rstd) -> y, with fixed per-group statistics",
        "norm_backward": "norm_backward(g4, x4, w3, mean, rstd, center=True, batch_stats=True, need_dx=True, "
        "need_wgrad=True) -> (dx or None, dweight or None, dbias or None); dweight/dbias float64, w3's shape",
        # Softmax family, over the last axis of a 2-D (rows, C) array.
        "softmax_forward": "softmax_forward(x2) -> y",
        "softmax_backward": "softmax_backward(g2, y2) -> dx = y (g - sum(g y))",
        "log_softmax_forward": "log_softmax_forward(x2) -> y",
        "log_softmax_backward": "log_softmax_backward(g2, y2) -> dx = g - exp(y) sum(g)",
        "cross_entropy_forward": "cross_entropy_forward(x2, target, ignore_index, label_smoothing) "
        "-> (loss per row, logp)",
        "cross_entropy_backward": "cross_entropy_backward(grad_rows, logp, target, ignore_index, label_smoothing) "
        "-> dx",
        # Optimizer updates, in place on param and its state.
        "sgd_step": "sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first) -> None",
        "adam_step": "adam_step(param, grad, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, "
        "amsgrad) -> None  (vmax None unless amsgrad; decoupled=True is AdamW)",
    }
)

NAMES = tuple(GENERIC) + tuple(KERNELS)


def missing(backend):
    """The names of the contract that ``backend`` (a module) does not define."""
    return [name for name in NAMES if not hasattr(backend, name)]
