"""Inputs for every kernel of the backend contract, and how to hold one backend to the reference.

The reference backend (``minigrad.backends.numpy``, plain NumPy) is the oracle: every other
backend's kernels must give its numbers on the same inputs. ``tests/test_reference.py`` runs the
CPU (Numba) kernels through every case below; a CUDA backend's tests run the very same cases:

    from tests import kernel_cases
    for case in kernel_cases.cases(np.float32):
        kernel_cases.check(cuda_backend, case)

A ``Case`` names a kernel, its arguments (NumPy arrays and Python numbers) and what the input is
(random values, the kinks, +-inf and NaN, large magnitudes, 0-size, a non-contiguous view, an odd
shape, one normalisation layout...). ``run(backend, case)`` moves the arrays to the backend
(``backend.from_numpy``), calls the kernel, and returns every output -- and, for the optimizers,
every argument updated in place -- as NumPy arrays. ``check`` compares them with the reference's,
value by value, within the tolerance ``tolerance(case)`` explains.
"""

import zlib
from dataclasses import dataclass, field

import numpy as np

import minigrad.backends.numpy as reference
import minigrad.backends.numpy.normalization as _norm_ref
from minigrad.ops.normalization import norm_layout


@dataclass
class Case:
    kernel: str  # a name of minigrad.backends.contract.KERNELS
    args: tuple  # NumPy arrays and Python numbers
    kwargs: dict = field(default_factory=dict)
    label: str = ""  # what the input is, for the test id
    inplace: tuple = ()  # positions of the arguments the kernel updates in place (optimizers)
    out: bool = False  # pass a fresh array as out= (activation forwards), which must be returned
    # the magnitude of the terms each output is computed from (see tolerance): one number for every
    # output, or one per output (a number, or an array that broadcasts against that output)
    scale: object = 1.0

    @property
    def dtype(self):
        return next(a.dtype for a in self.args if isinstance(a, np.ndarray) and a.dtype.kind == "f")

    @property
    def id(self):
        return f"{self.kernel}-{self.label}-{self.dtype}"


# ================================================================================================
# Comparing a backend with the reference
# ================================================================================================


def tolerance(case, i=0):
    """(rtol, atol) for output ``i`` of ``case``: ``ULPS`` units of the dtype's epsilon, relative to
    |value| + scale, with scale the magnitude of the terms the value is computed from.

    Why: both sides evaluate the same formula with correctly rounded or few-ulp elementary functions
    (exp, log1p, erfc: the reference's NumPy/libm ones, the kernels' own float32 polynomials, <= 2
    ulp), in a different order, through at most ~6 roundings; an argument rounded once before exp
    or erfc (beta x, -x^2/2) adds |argument| ulp, and arguments above ~20 only occur where the
    value is negligible next to the terms. So two correct results differ by a few ulp of the larger
    of the value and the terms it is computed from (case.scale; e.g. 1 for an activation's
    derivative, which cancels O(1) terms near its zeros). 16 ulp covers that with a margin and
    still catches any real error: a wrong constant, branch or rounding mode is off by far more.
    The norm kernels' float32 statistics are summed in float32 blocks of 8 before float64, which is
    within the same bound (relative to the values' spread times sqrt(n) ulp, i.e. below 16 ulp here).
    """
    eps = float(np.finfo(case.dtype).eps)
    return ULPS * eps, ULPS * eps * _scale_of(case, i)


ULPS = 16


def _scale_of(case, i):
    return case.scale[i] if isinstance(case.scale, tuple) else case.scale


def run(backend, case):
    """The kernel's outputs on ``case`` (and the in-place arguments after the call), as NumPy arrays
    (None where the kernel returns None)."""
    # the arguments updated in place are copies; the others are passed as they are (non-contiguous
    # views stay non-contiguous) and must come back unchanged (``check`` verifies it)
    args = [a.copy() if i in case.inplace else a for i, a in enumerate(case.args)]
    args = [backend.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args]
    kwargs = dict(case.kwargs)
    if case.out:
        kwargs["out"] = backend.from_numpy(np.zeros_like(case.args[0], order="C"))
    with np.errstate(all="ignore"):  # inf and NaN inputs: warnings are not what is tested here
        result = getattr(backend, case.kernel)(*args, **kwargs)
    if case.out:
        assert result is kwargs["out"], f"{case.kernel}: out= given, but another array was returned"
    outputs = list(result) if isinstance(result, tuple) else [result]
    if case.inplace:
        assert result is None, f"{case.kernel} updates in place and returns None"
        outputs = [args[i] for i in case.inplace]
    return [None if o is None else np.asarray(backend.to_numpy(o) if hasattr(o, "shape") else o) for o in outputs]


def check(backend, case):
    """Assert that ``backend`` gives the reference's outputs on ``case`` (dtype, shape, NaN/inf
    positions and values within ``tolerance``), and leaves its inputs unchanged."""
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in case.args]
    want = run(reference, case)
    got = run(backend, case)
    assert len(got) == len(want), f"{case.id}: {len(got)} outputs, the reference has {len(want)}"
    for i, (g, w) in enumerate(zip(got, want)):
        if w is None or g is None:
            assert g is None and w is None, f"{case.id}: output {i} is {g!r}, the reference's is {w!r}"
            continue
        assert g.shape == w.shape, f"{case.id}: output {i} has shape {g.shape}, the reference's {w.shape}"
        assert g.dtype == w.dtype, f"{case.id}: output {i} is {g.dtype}, the reference's {w.dtype}"
        _assert_close(g, w, *tolerance(case, i), f"{case.id}: output {i}")
    for a, b in zip(case.args, before):
        if isinstance(a, np.ndarray):
            np.testing.assert_array_equal(a, b, err_msg=f"{case.id}: an input was modified")


def _assert_close(got, want, rtol, atol, what):
    """|got - want| <= rtol |want| + atol (atol may be an array), and NaN and +-inf at the same places."""
    g, w = got.astype(np.float64), want.astype(np.float64)
    with np.errstate(invalid="ignore"):
        close = np.abs(g - w) <= rtol * np.abs(w) + atol
    bad = ~((g == w) | (np.isnan(g) & np.isnan(w)) | (close & np.isfinite(g) & np.isfinite(w)))
    if bad.any():
        i = tuple(int(k[0]) for k in np.nonzero(np.atleast_1d(bad)))[: bad.ndim]
        allowed = float(np.broadcast_to(rtol * np.abs(w) + atol, w.shape)[i])
        raise AssertionError(
            f"{what}: {int(bad.sum())} of {bad.size} values differ from the reference; first at {i}: "
            f"{g[i]!r}, reference {w[i]!r} (difference {abs(g[i] - w[i]):.3g}, allowed {allowed:.3g})"
        )


def max_error_ulps(backend, case):
    """max |got - want| / (eps (|want| + scale)) over the outputs: how close, in the units of ULPS."""
    eps = float(np.finfo(case.dtype).eps)
    worst = 0.0
    for i, (g, w) in enumerate(zip(run(backend, case), run(reference, case))):
        if g is None or w is None or g.size == 0:
            continue
        g, w = g.astype(np.float64), w.astype(np.float64)
        scale = np.broadcast_to(np.abs(w) + _scale_of(case, i), w.shape)
        ok = np.isfinite(w) & np.isfinite(g) & (scale > 0)
        if ok.any():
            worst = max(worst, float(np.max(np.abs(g[ok] - w[ok]) / (eps * scale[ok]))))
    return worst


# ================================================================================================
# Inputs
# ================================================================================================


def _rng(*key):
    """A generator seeded by ``key`` (strings), the same in every process."""
    return np.random.default_rng(zlib.crc32(repr(key).encode()))


def _randn(rng, shape, dtype, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


def _transposed(a):
    """The same values in a non-contiguous (transposed) layout."""
    return np.ascontiguousarray(a.T).T


def _extremes(dtype):
    big = np.finfo(dtype).max
    return np.array([-np.inf, -big, -1e30, -1e4, -100, -88.8, -87.5, -30, -20, -1e-8, -0.0, 0.0, 1e-8, 1e-40,
                     20, 30, 87.5, 88.8, 100, 1e4, 1e30, big, np.inf, np.nan], dtype=dtype)  # fmt: skip


# ---- activations --------------------------------------------------------------------------------

# name: (scalar parameters, the kinks: points where f or f' is not smooth)
ACTIVATIONS = {
    "sigmoid": ((), ()),
    "tanh": ((), ()),
    "relu": ((), (0.0,)),
    "relu6": ((), (0.0, 6.0)),
    "leaky_relu": ((0.2,), (0.0,)),
    "elu": ((0.7,), (0.0,)),
    "selu": ((), (0.0,)),
    "celu": ((1.6,), (0.0,)),
    "hardtanh": ((-2.0, 1.5), (-2.0, 1.5)),
    "silu": ((), ()),
    "swish": ((1.7,), ()),
    "mish": ((), (20.0,)),
    "softsign": ((), (0.0,)),
    "hardsigmoid": ((), (-3.0, 3.0)),
    "hardswish": ((), (-3.0, 3.0)),
    "softplus": ((2.0, 5.0), (2.5,)),
    "gelu": ((), ()),
    "gelu_tanh": ((), ()),
}
FROM_OUTPUT = ("sigmoid", "tanh")  # backward(g, y) with y = f(x)


def _activation_inputs(dtype, name, kinks):
    rng = _rng("act", name, str(dtype))
    near = [np.nextafter(dtype(k), dtype(d)) for k in kinks for d in (-np.inf, np.inf)]
    yield "random", _randn(rng, (37, 29), dtype, 3.0)
    yield "kinks", np.array([*kinks, *near, 0.0], dtype=dtype)
    yield "extremes", _extremes(dtype)
    yield "parallel", _randn(rng, (300, 250), dtype, 3.0)  # above jit.PARALLEL_MIN_SIZE elements
    yield "0-size", np.zeros((0, 3), dtype)
    yield "0-d", np.array(0.75, dtype)
    yield "transposed", _transposed(_randn(rng, (9, 6), dtype, 3.0))
    yield "strided", _randn(rng, (4, 30), dtype, 3.0)[:, ::3]
    yield "odd-shape", _randn(rng, (3, 1, 5, 7), dtype, 3.0)


def _activation_cases(dtype):
    for name, (params, kinks) in ACTIVATIONS.items():
        kernel, kw = (name, {})
        if name == "gelu_tanh":
            kernel, kw = "gelu", {"approximate": "tanh"}
        for label, x in _activation_inputs(dtype, name, kinks):
            yield Case(f"{kernel}_forward", (x, *params), kw, label)
            if x.flags.c_contiguous and label == "random":
                yield Case(f"{kernel}_forward", (x, *params), kw, label + "-out", out=True)
            g = _randn(_rng("g", name, label), x.shape, dtype)
            with np.errstate(all="ignore"):
                saved = getattr(reference, f"{kernel}_forward")(x, *params, **kw) if name in FROM_OUTPUT else x
            if name == "swish":  # dL/dbeta sums g x^2 s (1 - s), terms of at most |g| x^2 / 4
                with np.errstate(all="ignore"):
                    terms = np.nan_to_num(np.sum(np.abs(g.astype(np.float64) * x * x)) / 4, nan=0.0, posinf=0.0)
                for need in (False, True):
                    opts = {"need_beta_grad": need}
                    yield Case("swish_backward", (g, saved, *params), opts, f"{label}-beta{need}", scale=(1.0, terms))
            else:
                yield Case(f"{kernel}_backward", (g, saved, *params), kw, label)


def _prelu_cases(dtype):
    rng = _rng("prelu", str(dtype))
    for label, x, w in (
        ("shared", _randn(rng, (6, 7), dtype), np.array([0.25], dtype)),
        ("shared-4d", _randn(rng, (2, 3, 4, 5), dtype), np.array([-0.5], dtype)),
        ("rows", _randn(rng, (40, 5), dtype), _randn(rng, (5,), dtype)),
        ("planes", _randn(rng, (3, 4, 5, 2), dtype), _randn(rng, (4,), dtype)),
        ("planes-transposed", _transposed(_randn(rng, (3, 4, 6), dtype).T).T, _randn(rng, (4,), dtype)),
        ("parallel", _randn(rng, (64, 8, 16, 10), dtype), _randn(rng, (8,), dtype)),
        ("extremes", _extremes(dtype).reshape(1, -1), np.array([0.1], dtype)),
        ("0-size", np.zeros((0, 4), dtype), _randn(rng, (4,), dtype)),
    ):
        yield Case("prelu_forward", (x, w), label=label)
        g = _randn(rng, x.shape, dtype)
        # dL/dw sums g x over the elements of a channel (or all): terms |g x|
        terms = np.abs(g.astype(np.float64) * x)
        terms = terms.sum(axis=tuple(i for i in range(x.ndim) if i != 1 or w.size == 1)).reshape(w.shape)
        terms = np.nan_to_num(terms, nan=0.0, posinf=0.0)
        for need in (True, False):
            opts = {"need_weight_grad": need}
            yield Case("prelu_backward", (g, x, w), opts, f"{label}-wgrad{need}", scale=(1.0, terms))


def _maxout_cases(dtype):
    rng = _rng("maxout", str(dtype))
    ties = np.array([[1, 1, 2, 2, -np.inf, -np.inf, np.nan, 1, 1, np.nan, np.nan, np.nan]], dtype)
    for label, x, pieces, dim in (
        ("pairs", _randn(rng, (5, 8), dtype), 2, 1),
        ("three-inner", _randn(rng, (2, 6, 3), dtype), 3, 1),
        ("last-dim", _randn(rng, (3, 4, 6), dtype), 2, -1),
        ("dim0", _randn(rng, (4, 3), dtype), 4, 0),
        ("one-piece", _randn(rng, (3, 5), dtype), 1, 1),
        ("ties-nan", ties, 2, 1),
        ("ties-nan-3", ties, 3, 1),
        ("transposed", _transposed(_randn(rng, (6, 4), dtype)), 2, 1),
        ("parallel", _randn(rng, (300, 256), dtype), 2, 1),
        ("0-size", np.zeros((0, 4), dtype), 2, 1),
    ):
        yield Case("maxout_forward", (x, pieces, dim), label=label)
        y = reference.maxout_forward(x, pieces, dim)
        yield Case("maxout_backward", (_randn(rng, y.shape, dtype), x, pieces, dim), label=label)


# ---- normalisation ------------------------------------------------------------------------------

# (label, kind, input shape, num_groups or normalized_ndim)
NORM_LAYOUTS = (
    ("batch-2d", "batch", (8, 5), None),
    ("batch-4d", "batch", (4, 3, 5, 2), None),
    ("instance", "instance", (3, 4, 5, 2), None),
    ("group", "group", (2, 6, 3, 3), 3),
    ("group-1", "group", (2, 4, 3), 1),
    ("group-per-channel", "group", (2, 4, 3, 2), 4),
    ("layer-1d", "layer", (6, 10), 1),
    ("layer-2d", "layer", (4, 3, 5), 2),
    ("rms", "rms", (5, 7), 1),
    ("rms-2d", "rms", (3, 4, 5), 2),
)


def _norm_inputs(dtype, shape, rng):
    yield "random", _randn(rng, shape, dtype, 2.0) + 0.5
    yield "ill-conditioned", (1e4 + _randn(rng, shape, np.float64, 1e-2)).astype(dtype)  # mean 1e4, std 1e-2
    yield "large", _randn(rng, shape, dtype, 1e15)
    yield "constant", np.full(shape, 3.0, dtype)  # var 0: rstd = 1 / sqrt(eps)
    yield "0-size", np.zeros((0,) + shape[1:], dtype)


def _norm_affine(kind, layout, dtype, rng, affine):
    """(w3, b3) as the op builds them: the parameters reshaped to layout.affine, or the stand-ins."""
    Qw, K, Sw = layout.affine
    if not affine:
        return np.ones((1, K, 1), dtype), np.zeros((1, K, 1), dtype)
    w3 = _randn(rng, layout.affine, dtype) + 1.0
    b3 = np.zeros(layout.affine, dtype) if kind == "rms" else _randn(rng, layout.affine, dtype)
    return w3, b3


def _norm_scales(x4, w3, b3, g4, mean, var, rstd):
    """The magnitude of the terms each output of the norm kernels is computed from (see tolerance).

    Per group, with dev = the largest |x - mean| and top = dev * rstd (the largest |xhat|):
    - mean: sums of the values; any accurate method (two-pass, or shifted by a value of the group as
      the CPU kernels do) knows it to a few ulp of dev (a float32 input of mean 1e4 and std 1e-2
      included);  var: sums of squared deviations, known to a few ulp of dev^2;  rstd follows var.
    - y = xhat w + b: terms |xhat w| and |b|; the mean's error moves y by ulps of top |w|, rstd's
      relative error (ulps of top^2) by ulps of top^2 |xhat w|.
    - dx = rstd (w g - two group means, the second times xhat): terms rstd max|w g| (1 + top^2);
      dw, db: sums of g xhat and g, terms |g| (|xhat| + 1).
    Besides, both sides centre x with a float64 mean, off by about eps64 |x|: relative to the spread
    that is eps64 max|x| rstd, which no float64 method avoids (a float64 input of mean 1e4 and std
    1e-2 magnifies it 1e6 times). It is added in units of the dtype's eps as ``xhat_err``.
    """
    eps, eps64 = np.finfo(x4.dtype).eps, np.finfo(np.float64).eps
    if x4.size == 0:
        return dict.fromkeys(("y", "mean", "var", "rstd", "dx", "dw", "db"), 1.0)
    Q = x4.shape[1]
    x, g = x4.astype(np.float64), g4.astype(np.float64)
    w, b = np.abs(_norm_ref._affine(w3, Q)), np.abs(_norm_ref._affine(b3, Q))
    m, r = _norm_ref._per_group(mean), _norm_ref._per_group(rstd)
    with np.errstate(invalid="ignore"):  # groups holding inf: their outputs are NaN either way
        xhat = np.abs(x - m) * r
        dev = np.max(np.abs(x - m), axis=(0, 2, 3), keepdims=True)
    top = dev * r
    xhat_err = eps64 / eps * np.max(np.abs(x), axis=(0, 2, 3), keepdims=True) * r
    s = {
        "y": xhat * w + b + w * (top + top**2 * xhat + xhat_err),
        "mean": (dev + eps64 / eps * np.max(np.abs(x), axis=(0, 2, 3), keepdims=True)).reshape(-1),
        "dx": r * np.max(np.abs(g) * w, axis=(0, 2, 3), keepdims=True) * (1 + top * (top + xhat_err)),
        "dw": _norm_ref._to_affine_shape(np.abs(g) * (xhat + xhat_err), w3),
        "db": _norm_ref._to_affine_shape(np.abs(g), w3),
    }
    if var is not None:
        s.update(var=(dev**2).reshape(-1), rstd=rstd * (dev**2).reshape(-1) / (var + 1e-5))
    return {k: np.nan_to_num(v, nan=0.0, posinf=0.0) for k, v in s.items()}


def _norm_cases(dtype):
    big = [("batch-parallel", "batch", (64, 8, 12, 12), None), ("layer-parallel", "layer", (256, 300), 1)]
    for label, kind, shape, arg in NORM_LAYOUTS + tuple(big):
        rng = _rng("norm", label, str(dtype))
        groups = arg if kind == "group" else None
        nd = arg if kind in ("layer", "rms") else None
        center = kind != "rms"
        inputs = [("random", _randn(rng, shape, dtype, 2.0) + 0.5)] if label.endswith("parallel") else []
        for what, x in inputs or _norm_inputs(dtype, shape, rng):
            x4 = x.reshape(norm_layout(kind, x.shape, groups, nd).view)
            for affine in (True, False):
                tag = f"{label}-{what}-{'affine' if affine else 'plain'}"
                w3, b3 = _norm_affine(kind, norm_layout(kind, x.shape, groups, nd), dtype, rng, affine)
                yield from _norm_kernel_cases(x4, w3, b3, center, tag, rng, fixed=kind in ("batch", "instance"))
    # groups holding NaN and +-inf: those groups are NaN, the others unaffected
    rng = _rng("norm-nonfinite", str(dtype))
    x = _randn(rng, (3, 8), dtype)
    x[0, 2], x[1, 5], x[2, 3] = np.nan, np.inf, -np.inf
    w3, b3 = _norm_affine("layer", norm_layout("layer", x.shape, None, 1), dtype, rng, True)
    yield from _norm_kernel_cases(x.reshape(1, 3, 1, 8), w3, b3, True, "layer-nonfinite", rng)
    x = x.copy()
    x[2, 0] = -np.inf  # -inf as a group's first value
    yield Case("norm_forward", (x.reshape(1, 3, 1, 8), w3, b3, 1e-5, True), label="layer-inf-first")
    # a non-contiguous view (kernels accept any layout)
    x4 = _transposed(_randn(rng, (4, 6), dtype)).reshape(1, 4, 1, 6)[:, ::2]
    yield from _norm_kernel_cases(x4, w3[:, :, :6], b3[:, :, :6], True, "layer-strided", rng)


def _norm_kernel_cases(x4, w3, b3, center, tag, rng, fixed=False):
    """norm_forward, norm_backward (every need_* combination), and with fixed statistics norm_apply and
    its backward, on one view x4 with affine arrays w3, b3."""
    with np.errstate(all="ignore"):  # non-finite groups
        _, mean, var, rstd = reference.norm_forward(x4, w3, b3, 1e-5, center)
    g4 = _randn(rng, x4.shape, x4.dtype)
    s = _norm_scales(x4, w3, b3, g4, mean, var, rstd)
    yield Case("norm_forward", (x4, w3, b3, 1e-5, center), label=tag, scale=(s["y"], s["mean"], s["var"], s["rstd"]))
    for need_dx, need_w in ((True, True), (True, False), (False, True)):
        args = (g4, x4, w3, mean, rstd, center, True, need_dx, need_w)
        yield Case("norm_backward", args, label=f"{tag}-dx{need_dx}-dw{need_w}", scale=(s["dx"], s["dw"], s["db"]))
    if fixed and tag.endswith(("random-affine", "random-plain")):  # eval-mode BatchNorm, InstanceNorm
        mean = _randn(rng, mean.shape, np.float64)
        rstd = 1 / np.sqrt(rng.random(mean.shape) + 0.5)
        s = _norm_scales(x4, w3, b3, g4, mean, None, rstd)
        yield Case("norm_apply", (x4, w3, b3, mean, rstd), label=tag + "-fixed", scale=s["y"])
        args = (g4, x4, w3, mean, rstd, center, False, True, True)
        yield Case("norm_backward", args, label=tag + "-fixed", scale=(s["dx"], s["dw"], s["db"]))


# ---- softmax family -----------------------------------------------------------------------------


def _softmax_inputs(dtype):
    rng = _rng("softmax", str(dtype))
    yield "random", _randn(rng, (7, 13), dtype, 3.0)
    yield "one", np.array([[2.5]], dtype)
    yield "large-logits", _randn(rng, (4, 6), dtype, 1e4)
    yield "minus-inf", np.array([[-np.inf, 0, 1], [-np.inf, -np.inf, 2], [-np.inf, -np.inf, -np.inf]], dtype)
    yield "nan", np.array([[np.nan, 0, 1], [0, 1, 2]], dtype)
    yield "plus-inf", np.array([[np.inf, 0, 1], [0, 1, 2]], dtype)
    yield "parallel", _randn(rng, (700, 100), dtype, 3.0)
    yield "0-rows", np.zeros((0, 5), dtype)
    yield "transposed", _transposed(_randn(rng, (5, 9), dtype, 3.0))


def _softmax_cases(dtype):
    for label, x in _softmax_inputs(dtype):
        g = _randn(_rng("softmax-g", label, str(dtype)), x.shape, dtype)
        # log_softmax = x - logsumexp(x): terms of the size of the largest |x| of the row
        finite = np.where(np.isfinite(x), np.abs(x), 0)
        yield Case("log_softmax_forward", (x,), label=label, scale=np.max(finite, axis=1, keepdims=True, initial=1.0))
        yield Case("softmax_forward", (x,), label=label)
        for name in ("softmax", "log_softmax"):
            with np.errstate(all="ignore"):
                y = getattr(reference, f"{name}_forward")(x)
            # log_softmax's backward: g - exp(y) sum(g), terms of size |sum(g)|
            scale = float(np.max(np.abs(g.sum(1)), initial=1.0)) if name == "log_softmax" else 1.0
            yield Case(f"{name}_backward", (g, y), label=label, scale=scale)
    for label, x in _softmax_inputs(dtype):
        rng = _rng("ce", label, str(dtype))
        n, c = x.shape
        target = rng.integers(0, max(c, 1), n).astype(np.int64)
        ignored = target.copy()
        ignored[::3] = -100
        for smoothing in (0.0, 0.1, 1.0):
            for tag, t, ignore in (("", target, -100), ("-ignore", ignored, -100), ("-ignore-class", target, 0)):
                lab = f"{label}-ls{smoothing}{tag}"
                # the loss sums log-probabilities: terms up to |max logp| (1e4 for large logits)
                scale = float(np.max(np.abs(x[np.isfinite(x)]), initial=1.0))
                yield Case("cross_entropy_forward", (x, t, ignore, smoothing), label=lab, scale=scale)
                with np.errstate(all="ignore"):
                    _, logp = reference.cross_entropy_forward(x, t, ignore, smoothing)
                rows = _randn(rng, (n,), dtype)
                yield Case("cross_entropy_backward", (rows, logp, t, ignore, smoothing), label=lab)
        mean_grad = np.broadcast_to(np.asarray(0.125, dtype), (n,))  # reduction="mean": one number for all rows
        with np.errstate(all="ignore"):
            _, logp = reference.cross_entropy_forward(x, target, -100, 0.0)
        yield Case("cross_entropy_backward", (mean_grad, logp, target, -100, 0.0), label=label + "-broadcast")


# ---- optimizers ---------------------------------------------------------------------------------


def _sgd(label, p, g, buf, *hyper):
    """sgd_step(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first): updates p (and buf)."""
    return Case("sgd_step", (p, g, buf, *hyper), label=label, inplace=(0,) if buf is None else (0, 2), scale=_scale(p))


def _adam(label, p, g, m, v, vmax, *hyper):
    """adam_step(p, g, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad)."""
    inplace = (0, 2, 3) if vmax is None else (0, 2, 3, 4)
    return Case("adam_step", (p, g, m, v, vmax, *hyper), label=label, inplace=inplace, scale=_scale(p))


def _optim_cases(dtype):
    rng = _rng("optim", str(dtype))
    for label, shape in (("small", (5, 3)), ("parallel", (300, 250)), ("0-size", (0,))):
        p, g, buf = (_randn(rng, shape, dtype) for _ in range(3))
        for momentum, dampening, wd, nesterov in ((0.0, 0.0, 0.0, False), (0.9, 0.0, 0.0, False),
                                                  (0.9, 0.3, 1e-2, False), (0.9, 0.0, 1e-2, True)):  # fmt: skip
            for first in (True, False) if momentum else (True,):
                tag = f"{label}-m{momentum}-d{dampening}-wd{wd}-n{nesterov}-first{first}"
                yield _sgd(tag, p, g, buf if momentum else None, 0.1, momentum, dampening, wd, nesterov, first)
        m, v = _randn(rng, shape, dtype), np.abs(_randn(rng, shape, dtype))
        vmax = v + np.abs(_randn(rng, shape, dtype))
        for step in (1, 10):
            for wd, decoupled, amsgrad in ((0.0, False, False), (1e-2, False, False), (1e-2, True, False),
                                           (1e-2, True, True), (0.0, False, True)):  # fmt: skip
                tag = f"{label}-step{step}-wd{wd}-dec{decoupled}-ams{amsgrad}"
                vm = vmax if amsgrad else None
                yield _adam(tag, p, g, m, v, vm, step, 1e-3, 0.9, 0.999, 1e-8, wd, decoupled, amsgrad)
    p = np.array([1.0, -2.0, np.inf, 3.0, np.nan, 0.5], dtype)
    g = np.array([np.inf, np.nan, 1.0, -0.0, 1.0, 0.0], dtype)
    zeros = np.zeros_like(p)
    yield _sgd("nonfinite-wd0", p, g, None, 0.1, 0.0, 0.0, 0.0, False, True)
    yield _sgd("nonfinite-wd0.01-momentum", p, g, zeros, 0.1, 0.9, 0.0, 1e-2, False, True)
    for wd, dec, ams in ((0.0, False, False), (1e-2, False, True), (1e-2, True, True)):
        tag = f"nonfinite-wd{wd}-dec{dec}-ams{ams}"
        yield _adam(tag, p, g, zeros, zeros, zeros if ams else None, 3, 1e-3, 0.9, 0.999, 1e-8, wd, dec, ams)
    p, g = _randn(rng, (6,), dtype), _randn(rng, (6, 3), dtype)[:, 1]  # a strided gradient
    yield _sgd("grad-strided", p, g, None, 0.1, 0.0, 0.0, 1e-2, False, True)


def _scale(p):
    """An update p - lr d is a difference of terms of size |p| (its finite entries: an inf would make
    every tolerance NaN)."""
    return float(np.max(np.abs(p), initial=1.0, where=np.isfinite(p)))


# ================================================================================================


FAMILIES = {
    "activation": _activation_cases,
    "prelu": _prelu_cases,
    "maxout": _maxout_cases,
    "norm": _norm_cases,
    "softmax": _softmax_cases,
    "optim": _optim_cases,
}


def cases(dtype, families=tuple(FAMILIES)):
    """Every case of the given kernel families for float arrays of ``dtype``."""
    for family in families:
        yield from FAMILIES[family](np.dtype(dtype).type)


def kernels_covered():
    """The kernel names some case calls (the test checks that this is every kernel of the contract)."""
    return {c.kernel for dtype in (np.float32, np.float64) for c in cases(dtype)}


__all__ = ["Case", "cases", "check", "run", "tolerance", "max_error_ulps", "kernels_covered"]
