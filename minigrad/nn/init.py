"""Weight initialisation: PyTorch's ``torch.nn.init``, with the lecture's derivations.

Lecture 4, slides 23-31. Every function fills a weight tensor *in place* (under ``no_grad``, so it
works on a leaf Parameter that requires grad) and returns it, with the same name, arguments and fan /
gain conventions as ``torch.nn.init``::

    from minigrad.nn import init
    init.kaiming_normal_(layer.weight, mode="fan_in", nonlinearity="relu")
    init.zeros_(layer.bias)

The story in four lines (y = sum_i w_i x_i over N_in inputs, w and x independent and zero-mean):

* forward:  var(y) = N_in var(w) var(x); keeping var(y) = var(x) asks var(w) = 1 / N_in;
* backward: the gradient flows through N_out outputs, which asks var(w) = 1 / N_out;
* Xavier / Glorot (2010) takes the compromise var(w) = 2 / (N_in + N_out);
* ReLU zeroes half of its inputs, halving the variance: var(w) = 2 / N_in (He et al. 2015, "MSRA").

``gain`` (``calculate_gain``) folds in the nonlinearity: var(w) = gain^2 / fan.

Fans follow PyTorch's weight layout: Linear weight is (out_features, in_features); a Conv weight
is (out_channels, in_channels / groups, kh, kw). ``fan_in = size(1) * receptive field`` and
``fan_out = size(0) * receptive field``, where the receptive field is the product of the kernel
sizes. (The cs231n notebook code stores W as (fan_in, fan_out) and computes X @ W: the transpose.)

Randomness: every random initialiser takes ``generator=``, which may be ``None`` (minigrad's
global generator, seeded by ``mg.manual_seed``), an int seed, a ``mg.Generator`` or a NumPy
``np.random.Generator``. Values are drawn on the host with NumPy in float64 and copied into the
tensor in its dtype, on its device (CPU or CUDA). The functions also accept a plain NumPy array,
which they fill in place.

Model-level helpers (not in PyTorch): ``apply_(model, "he", bias=0.01)`` initialises every Linear /
Conv layer of a model with a named scheme, and ``lsuv_(model, batch)`` is the data-dependent
layer-sequential unit-variance initialisation of Mishkin & Matas (2015).
"""

from __future__ import annotations

import math
import re
import warnings

import numpy as np

__all__ = [
    "SCHEMES",
    "apply_",
    "calculate_gain",
    "constant_",
    "dirac_",
    "eye_",
    "kaiming_normal_",
    "kaiming_uniform_",
    "lsuv_",
    "normal_",
    "ones_",
    "orthogonal_",
    "trunc_normal_",
    "uniform_",
    "xavier_normal_",
    "xavier_uniform_",
    "zeros_",
]


# ----------------------------------------------------------------------------------------------
# Plumbing: shapes, the random generator, writing into a tensor in place
# ----------------------------------------------------------------------------------------------


def _shape(tensor) -> tuple[int, ...]:
    return tuple(int(s) for s in tensor.shape)


def _numel(tensor) -> int:
    return int(math.prod(_shape(tensor)))


def _rng(generator=None) -> np.random.Generator:
    """The NumPy Generator to draw from (see the module docstring for what ``generator`` may be)."""
    if isinstance(generator, np.random.Generator):
        return generator
    from minigrad import random as mg_random

    return mg_random.rng(generator)


def _to_numpy(tensor) -> np.ndarray:
    """A host NumPy copy/view of a tensor's values (no autograd)."""
    if isinstance(tensor, np.ndarray):
        return tensor
    t = tensor.detach()
    if str(getattr(t, "device", "cpu")) != "cpu":
        t = t.cpu()
    return t.numpy()


def _copy_into(tensor, values):
    """Write ``values`` (a host array of the tensor's shape) into ``tensor`` in place.

    On a Tensor this is ``tensor.copy_(...)`` under ``no_grad``: it bumps the version counter
    (so a graph that saved the old weight notices), keeps the tensor's dtype and device, and is
    allowed on a leaf that requires grad.
    """
    values = np.asarray(values).reshape(_shape(tensor))
    if isinstance(tensor, np.ndarray):
        tensor[...] = values
        return tensor
    import minigrad as mg

    with mg.no_grad():
        tensor.copy_(values)  # casts to the tensor's dtype; copies to the device for CUDA tensors
    return tensor


def _no_op_if_empty(tensor, name: str) -> bool:
    if _numel(tensor) == 0:
        warnings.warn(f"{name}: initializing zero-element tensors is a no-op", stacklevel=3)
        return True
    return False


# ----------------------------------------------------------------------------------------------
# Fans and gains
# ----------------------------------------------------------------------------------------------


def _calculate_fan_in_and_fan_out(tensor) -> tuple[int, int]:
    """``(fan_in, fan_out)`` of a weight in PyTorch's layout.

    Linear (out, in): fan_in = in, fan_out = out. Conv (out, in, *kernel): fan_in = in * prod(kernel),
    fan_out = out * prod(kernel) -- every output sums over in_channels x receptive field inputs.
    """
    shape = _shape(tensor)
    if len(shape) < 2:
        raise ValueError(
            "Fan in and fan out can not be computed for tensor with fewer than 2 dimensions "
            f"(got shape {shape}); a bias has no fan: use zeros_/constant_/uniform_ on it"
        )
    receptive_field = math.prod(shape[2:])
    return shape[1] * receptive_field, shape[0] * receptive_field


def _calculate_correct_fan(tensor, mode: str) -> int:
    mode = mode.lower()
    valid = ["fan_in", "fan_out"]
    if mode not in valid:
        raise ValueError(f"Mode {mode} not supported, please use one of {valid}")
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    return fan_in if mode == "fan_in" else fan_out


_LINEAR_FNS = (
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
)


def calculate_gain(nonlinearity: str, param=None) -> float:
    """The recommended gain for a nonlinearity: the factor that restores var(output) = var(input).

    ================= =========================== ==============================================
    nonlinearity      gain                        why
    ================= =========================== ==============================================
    linear, conv*     1                           var(y) = N var(w) var(x) already
    sigmoid           1                           (PyTorch's convention)
    tanh              5/3                         tanh shrinks unit-variance inputs (empirical)
    relu              sqrt(2)                     ReLU zeroes half the inputs: E[relu(y)^2] = var(y)/2
    leaky_relu        sqrt(2 / (1 + slope^2))     E[f(y)^2] = (1 + slope^2) var(y) / 2; slope 0.01 by default
    selu              3/4                         empirical (PyTorch PR #50664)
    ================= =========================== ==============================================

    ``param`` is leaky_relu's negative slope. The initialisers use var(w) = gain^2 / fan.
    """
    if nonlinearity in _LINEAR_FNS or nonlinearity == "sigmoid":
        return 1
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        if param is None:
            negative_slope = 0.01
        elif (not isinstance(param, bool) and isinstance(param, int)) or isinstance(param, float):
            negative_slope = param
        else:
            raise ValueError(f"negative_slope {param} not a valid number")
        return math.sqrt(2.0 / (1 + negative_slope**2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(
        f"Unsupported nonlinearity {nonlinearity}; expected one of "
        f"{list(_LINEAR_FNS) + ['sigmoid', 'tanh', 'relu', 'leaky_relu', 'selu']}"
    )


# ----------------------------------------------------------------------------------------------
# Basic fills
# ----------------------------------------------------------------------------------------------


def uniform_(tensor, a: float = 0.0, b: float = 1.0, generator=None):
    """Fill with U(a, b): mean (a + b) / 2, variance (b - a)^2 / 12.

    So U(-bound, bound) has std bound / sqrt(3): a uniform init of std s uses bound = sqrt(3) s.
    """
    if a > b:
        raise ValueError(f"uniform_: expected a <= b, got a={a}, b={b}")
    values = _rng(generator).uniform(a, b, size=_shape(tensor))
    return _copy_into(tensor, values)


def normal_(tensor, mean: float = 0.0, std: float = 1.0, generator=None):
    """Fill with N(mean, std^2).

    The lecture's "small random numbers" are ``normal_(w, 0, 0.01)``: var(w) = 1e-4, so each layer
    multiplies the activations' variance by N_in * 1e-4 (0.05 for N_in = 500) and a deep tanh net's
    activations collapse to zero (slides 26-27).
    """
    if std < 0:
        raise ValueError(f"normal_: std must be non-negative, got {std}")
    values = _rng(generator).normal(mean, std, size=_shape(tensor))
    return _copy_into(tensor, values)


def trunc_normal_(tensor, mean: float = 0.0, std: float = 1.0, a: float = -2.0, b: float = 2.0, generator=None):
    """Fill with N(mean, std^2) truncated to [a, b] (absolute bounds, as in PyTorch).

    Draws are redrawn until they fall inside [a, b] (rejection sampling: exact, and cheap unless
    [a, b] holds little of the mass). The variance is below std^2: for [mean - 2 std, mean + 2 std]
    it is about 0.774 std^2.
    """
    if std < 0:
        raise ValueError(f"trunc_normal_: std must be non-negative, got {std}")
    if not a < b:
        raise ValueError(f"trunc_normal_: expected a < b, got a={a}, b={b}")
    if std == 0:
        if not a <= mean <= b:
            raise ValueError(f"trunc_normal_: std=0 and mean={mean} lies outside [{a}, {b}]")
        return constant_(tensor, mean)
    mass = 0.5 * (math.erf((b - mean) / (std * math.sqrt(2))) - math.erf((a - mean) / (std * math.sqrt(2))))
    if mass < 1e-3:
        raise ValueError(
            f"trunc_normal_: [a, b] = [{a}, {b}] holds only {mass:.2e} of N({mean}, {std}^2); "
            "rejection sampling would be too slow"
        )
    rng = _rng(generator)
    n = _numel(tensor)
    values = rng.normal(mean, std, size=n)
    bad = np.flatnonzero((values < a) | (values > b))
    while bad.size:
        values[bad] = rng.normal(mean, std, size=bad.size)
        bad = bad[(values[bad] < a) | (values[bad] > b)]
    return _copy_into(tensor, values.reshape(_shape(tensor)))


def constant_(tensor, val: float):
    """Fill with the constant ``val``. For ReLU biases the lecture suggests 0.01 (no dead units)."""
    return _copy_into(tensor, np.full(_shape(tensor), val, dtype=np.float64))


def zeros_(tensor):
    """Fill with 0. Right for biases; wrong for weights: every unit of a layer then computes the
    same output and receives the same gradient, so they stay identical forever (slide 24)."""
    return constant_(tensor, 0.0)


def ones_(tensor):
    """Fill with 1 (e.g. a normalisation layer's scale gamma)."""
    return constant_(tensor, 1.0)


def eye_(tensor):
    """Fill a 2-D tensor with the identity (as many inputs preserved as the shape allows)."""
    shape = _shape(tensor)
    if len(shape) != 2:
        raise ValueError(f"Only tensors with 2 dimensions are supported (got shape {shape})")
    return _copy_into(tensor, np.eye(*shape))


def dirac_(tensor, groups: int = 1):
    """Fill a 3/4/5-D conv weight with the Dirac delta: the convolution copies its input channels."""
    shape = _shape(tensor)
    if len(shape) not in (3, 4, 5):
        raise ValueError(f"Only tensors with 3, 4, or 5 dimensions are supported (got shape {shape})")
    if shape[0] % groups != 0:
        raise ValueError("dim 0 must be divisible by groups")
    values = np.zeros(shape)
    out_per_group = shape[0] // groups
    centre = tuple(s // 2 for s in shape[2:])
    for g in range(groups):
        for d in range(min(out_per_group, shape[1])):
            values[(g * out_per_group + d, d) + centre] = 1.0
    return _copy_into(tensor, values)


# ----------------------------------------------------------------------------------------------
# Variance-preserving schemes
# ----------------------------------------------------------------------------------------------


def xavier_uniform_(tensor, gain: float = 1.0, generator=None):
    """Xavier / Glorot uniform: U(-bound, bound), bound = gain * sqrt(6 / (fan_in + fan_out)).

    Forward pass: var(y) = N_in var(w) var(x) asks var(w) = 1/N_in; backward pass asks 1/N_out;
    Glorot & Bengio (2010) compromise on var(w) = 2 / (N_in + N_out). A uniform of that variance
    has bound sqrt(3) * std = sqrt(6 / (N_in + N_out)).
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def xavier_normal_(tensor, gain: float = 1.0, generator=None):
    """Xavier / Glorot normal: N(0, std^2), std = gain * sqrt(2 / (fan_in + fan_out)).

    var(w) = 2 / (N_in + N_out) is the compromise between the forward pass's 1/N_in (keep
    var(y) = N_in var(w) var(x) equal to var(x)) and the backward pass's 1/N_out.
    """
    fan_in, fan_out = _calculate_fan_in_and_fan_out(tensor)
    std = gain * math.sqrt(2.0 / float(fan_in + fan_out))
    return normal_(tensor, 0.0, std, generator=generator)


def kaiming_uniform_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """He / MSRA uniform: U(-bound, bound), bound = gain * sqrt(3 / fan), gain = calculate_gain(nonlinearity, a).

    ReLU zeroes half its inputs, so var(y) = N_in / 2 var(w) var(x) and var(w) = 2 / N_in
    (He et al. 2015): gain sqrt(2). ``mode='fan_in'`` keeps the forward activations' variance,
    ``'fan_out'`` the backward gradients'. ``a`` is leaky_relu's negative slope.

    PyTorch's Linear/Conv default is ``kaiming_uniform_(w, a=sqrt(5))``: gain^2 = 2 / 6, so
    bound = 1 / sqrt(fan_in), i.e. U(-1/sqrt(N_in), 1/sqrt(N_in)) and var(w) = 1 / (3 N_in).
    """
    if _no_op_if_empty(tensor, "kaiming_uniform_"):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    bound = math.sqrt(3.0) * std
    return uniform_(tensor, -bound, bound, generator=generator)


def kaiming_normal_(tensor, a: float = 0, mode: str = "fan_in", nonlinearity: str = "leaky_relu", generator=None):
    """He / MSRA normal: N(0, std^2), std = gain / sqrt(fan), gain = calculate_gain(nonlinearity, a).

    ReLU halves the variance: var(y) = N_in / 2 var(w) var(x), so var(w) = 2 / N_in keeps
    var(y) = var(x) through a deep ReLU net (He et al. 2015). ``mode='fan_out'`` uses N_out and
    preserves the gradients' variance in the backward pass instead.
    """
    if _no_op_if_empty(tensor, "kaiming_normal_"):
        return tensor
    fan = _calculate_correct_fan(tensor, mode)
    gain = calculate_gain(nonlinearity, a)
    std = gain / math.sqrt(fan)
    return normal_(tensor, 0.0, std, generator=generator)


def orthogonal_(tensor, gain: float = 1, generator=None):
    """A (semi-)orthogonal matrix times ``gain`` (Saxe et al. 2014), for any shape with >= 2 dims.

    The tensor is viewed as (rows, cols) = (size(0), numel / size(0)). A Gaussian matrix of that
    shape (transposed when wide) is factored A = QR, and Q's columns are multiplied by the signs of
    R's diagonal: without that sign fix Q is not uniformly (Haar) distributed (Mezzadri 2007).
    Result: W W^T = gain^2 I if rows <= cols, W^T W = gain^2 I otherwise. An orthogonal W keeps
    every singular value 1: ||W x|| = ||x||, so neither activations nor gradients grow or shrink.
    """
    shape = _shape(tensor)
    if len(shape) < 2:
        raise ValueError(f"Only tensors with 2 or more dimensions are supported (got shape {shape})")
    if _numel(tensor) == 0:
        return tensor
    rows = shape[0]
    cols = _numel(tensor) // rows
    flat = _rng(generator).normal(0.0, 1.0, size=(rows, cols))
    if rows < cols:
        flat = flat.T
    q, r = np.linalg.qr(flat)
    q = q * np.sign(np.diag(r))
    if rows < cols:
        q = q.T
    return _copy_into(tensor, gain * q.reshape(shape))


# ----------------------------------------------------------------------------------------------
# Model-level helpers: named schemes for the lecture's experiments, and LSUV
# ----------------------------------------------------------------------------------------------


def _lecun_normal_(tensor, gain: float = 1.0, generator=None):
    """N(0, gain^2 / fan_in): the cs231n code's ``randn(fan_in, fan_out) / sqrt(fan_in)``."""
    fan_in, _ = _calculate_fan_in_and_fan_out(tensor)
    return normal_(tensor, 0.0, gain / math.sqrt(fan_in), generator=generator)


def _he_normal_(tensor, mode: str = "fan_in", nonlinearity: str = "relu", a: float = 0, generator=None):
    return kaiming_normal_(tensor, a=a, mode=mode, nonlinearity=nonlinearity, generator=generator)


def _he_uniform_(tensor, mode: str = "fan_in", nonlinearity: str = "relu", a: float = 0, generator=None):
    return kaiming_uniform_(tensor, a=a, mode=mode, nonlinearity=nonlinearity, generator=generator)


def _xavier(fn):
    def init_(tensor, gain: float = 1.0, nonlinearity: str | None = None, generator=None):
        if nonlinearity is not None:
            gain = calculate_gain(nonlinearity)
        return fn(tensor, gain=gain, generator=generator)

    return init_


def _small_normal_(tensor, std: float = 0.01, mean: float = 0.0, generator=None):
    return normal_(tensor, mean, std, generator=generator)


def _small_uniform_(tensor, bound: float = 0.01, generator=None):
    return uniform_(tensor, -bound, bound, generator=generator)


def _pytorch_default_(tensor, generator=None):
    return kaiming_uniform_(tensor, a=math.sqrt(5), generator=generator)


def _deterministic(fn):
    def init_(tensor, *args, generator=None, **kwargs):
        return fn(tensor, *args, **kwargs)

    return init_


#: Named schemes for :func:`apply_`: name -> (function, names of its positional arguments).
#: ``"normal(0.05)"`` passes 0.05 as the first listed argument; ``"he(mode=fan_out)"`` by name.
SCHEMES: dict[str, tuple] = {
    "zeros": (_deterministic(zeros_), ()),
    "ones": (_deterministic(ones_), ()),
    "constant": (_deterministic(constant_), ("val",)),
    "eye": (_deterministic(eye_), ()),
    "normal": (_small_normal_, ("std", "mean")),  # lecture: small random numbers N(0, 0.01^2)
    "uniform": (_small_uniform_, ("bound",)),  # U(-bound, bound), bound 0.01 by default
    "lecun": (_lecun_normal_, ("gain",)),  # var(w) = 1 / N_in (the forward-pass argument alone)
    "xavier": (_xavier(xavier_normal_), ("gain",)),  # var(w) = 2 / (N_in + N_out)
    "xavier_normal": (_xavier(xavier_normal_), ("gain",)),
    "xavier_uniform": (_xavier(xavier_uniform_), ("gain",)),
    "he": (_he_normal_, ("mode",)),  # var(w) = 2 / N_in
    "he_normal": (_he_normal_, ("mode",)),
    "he_uniform": (_he_uniform_, ("mode",)),
    "orthogonal": (orthogonal_, ("gain",)),
    "default": (_pytorch_default_, ()),  # PyTorch's Linear/Conv default, U(-1/sqrt(N_in), 1/sqrt(N_in))
}
_ALIASES = {
    "zero": "zeros",
    "small": "normal",
    "gaussian": "normal",
    "glorot": "xavier",
    "glorot_normal": "xavier_normal",
    "glorot_uniform": "xavier_uniform",
    "lecun_normal": "lecun",
    "kaiming": "he",
    "kaiming_normal": "he_normal",
    "kaiming_uniform": "he_uniform",
    "msra": "he",
    "pytorch": "default",
}

_SCHEME_RE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\((.*)\))?\s*$")


def _parse_value(text: str):
    text = text.strip()
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        pass
    if "/" in text:  # "5/3"
        num, _, den = text.partition("/")
        try:
            return float(num) / float(den)
        except ValueError:
            pass
    return text.strip("'\"")


def _parse_scheme(scheme: str):
    """``"normal(0.01)"`` -> (function, {"std": 0.01}); no ``eval``, only numbers and words."""
    m = _SCHEME_RE.match(scheme)
    if not m:
        raise ValueError(f"init scheme {scheme!r} is not of the form name or name(arg, key=value)")
    name = m.group(1).lower()
    name = _ALIASES.get(name, name)
    if name not in SCHEMES:
        raise ValueError(
            f"unknown init scheme {m.group(1)!r}; known: {sorted(SCHEMES)} "
            f"(aliases: {sorted(_ALIASES)}), or pass a function"
        )
    fn, positional = SCHEMES[name]
    kwargs = {}
    args = [s for s in (m.group(2) or "").split(",") if s.strip()]
    for i, arg in enumerate(args):
        if "=" in arg:
            key, _, value = arg.partition("=")
            kwargs[key.strip()] = _parse_value(value)
        else:
            if i >= len(positional):
                raise ValueError(f"init scheme {scheme!r}: too many positional arguments")
            kwargs[positional[i]] = _parse_value(arg)
    return fn, kwargs


_DEFAULT_LAYER_TYPES = ("Linear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose2d", "Maxout", "Bilinear")


def _layer_types(types):
    if types is not None:
        return tuple(types)
    from minigrad import nn

    return tuple(getattr(nn, name) for name in _DEFAULT_LAYER_TYPES if hasattr(nn, name))


def _layers(model, types):
    return [m for m in model.modules() if isinstance(m, types) and getattr(m, "weight", None) is not None]


def apply_(model, scheme, bias=0.0, *, generator=None, types=None):
    """Initialise the weight and bias of every Linear / Conv layer of ``model``, in place.

    ``scheme`` is a name, optionally with arguments, or a function ``f(weight)``:

    ==================================== =======================================================
    ``"zeros"``                          all zero (the lecture's non-starter: symmetric units)
    ``"normal(0.01)"``                   small random numbers N(0, 0.01^2) (``"normal"``: 0.01)
    ``"uniform(0.05)"``                  U(-0.05, 0.05)
    ``"lecun"``                          N(0, 1 / N_in): cs231n's ``randn / sqrt(fan_in)``
    ``"xavier"`` / ``"xavier_uniform"``  var 2 / (N_in + N_out); ``"xavier(nonlinearity=tanh)"``
    ``"he"`` / ``"he_uniform"``          var 2 / N_in; ``"he(mode=fan_out)"``, ``"he(nonlinearity=leaky_relu, a=0.1)"``
    ``"orthogonal"``                     (semi-)orthogonal, ``"orthogonal(gain=1.41)"``
    ``"default"``                        PyTorch's layer default U(-1/sqrt(N_in), 1/sqrt(N_in))
    ==================================== =======================================================

    Aliases: glorot = xavier, kaiming = msra = he, small = normal, pytorch = default.

    ``bias``: a number fills every bias with it (0.0 by default; the lecture's 0.01 keeps ReLU
    units alive at the start); ``"default"`` draws PyTorch's U(-1/sqrt(N_in), 1/sqrt(N_in));
    ``None`` leaves the biases alone. ``generator``: see the module docstring; with an int seed the
    whole model's initialisation is reproducible. ``types``: the layer classes to touch (default:
    minigrad's Linear, Conv*d and Maxout). Returns ``model``.

    Example: the lecture's 10-layer tanh experiment, ``init.apply_(net, "normal(0.01)")`` versus
    ``init.apply_(net, "xavier")``.
    """
    types = _layer_types(types)
    rng = _rng(generator)  # one stream for the whole model
    if callable(scheme):

        def fn(w, generator=None):
            return scheme(w)

        kwargs = {}
    elif isinstance(scheme, str):
        fn, kwargs = _parse_scheme(scheme)
    else:
        raise TypeError(f"init scheme must be a name or a function, got {type(scheme).__name__}")
    if not (bias is None or bias == "default" or isinstance(bias, (int, float))):
        raise ValueError(f"bias must be a number, 'default' or None, got {bias!r}")
    layers = _layers(model, types)
    if not layers:
        warnings.warn(f"init.apply_: no layer of types {[t.__name__ for t in types]} in the model", stacklevel=2)
    for layer in layers:  # all weights first: the same seed gives the same weights whatever `bias` is
        fn(layer.weight, generator=rng, **kwargs)
    for layer in layers:
        b = getattr(layer, "bias", None)
        if b is None or bias is None:
            continue
        if bias == "default":
            fan_in, _ = _calculate_fan_in_and_fan_out(layer.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            uniform_(b, -bound, bound, generator=rng)
        else:
            constant_(b, float(bias))
    return model


def lsuv_(
    model,
    batch,
    tol: float = 0.1,
    max_iter: int = 10,
    *,
    generator=None,
    orthogonal: bool = True,
    types=None,
    verbose: bool = False,
):
    """Layer-sequential unit-variance (LSUV) initialisation, Mishkin & Matas (2015), in place.

    1. Pre-initialise every Linear / Conv weight with an orthogonal matrix and zero its bias
       (``orthogonal=False`` keeps the current weights and biases).
    2. For each layer in the order the forward pass reaches it: run ``model(batch)``, measure the
       variance v of the layer's output (over every element), and divide the weight by sqrt(v);
       repeat until |v - 1| < ``tol`` or ``max_iter`` passes. Layers before it are final, so each
       later layer sees well-scaled inputs.

    Since a layer's output is linear in its weight (Wx + b), one pass usually suffices when the bias
    is zero. This is the data-driven answer to the lecture's question: instead of deriving
    var(w) for each nonlinearity (Xavier, He), measure it. Runs under ``no_grad``; the model's
    train/eval mode is left as it is (Dropout in train mode inflates the measured variance).
    Returns ``model``; raises if a layer's output has zero variance (a dead layer).
    """
    import minigrad as mg

    if tol <= 0:
        raise ValueError(f"lsuv_: tol must be positive, got {tol}")
    types = _layer_types(types)
    layers = _layers(model, types)
    if not layers:
        raise ValueError(f"lsuv_: no layer of types {[t.__name__ for t in types]} in the model")
    if isinstance(batch, (np.ndarray, list, tuple)):
        batch = mg.tensor(np.asarray(batch), dtype=layers[0].weight.dtype, device=layers[0].weight.device)
    rng = _rng(generator)
    if orthogonal:
        for layer in layers:
            orthogonal_(layer.weight, generator=rng)
            if getattr(layer, "bias", None) is not None:
                zeros_(layer.bias)

    # The order in which the forward pass reaches the layers, and each layer's latest output.
    order: list = []
    outputs: dict[int, np.ndarray] = {}

    def make_hook(i):
        def hook(module, inputs, output):
            if i not in order:
                order.append(i)
            outputs[i] = _to_numpy(output)

        return hook

    handles = [layer.register_forward_hook(make_hook(i)) for i, layer in enumerate(layers)]
    try:
        with mg.no_grad():
            model(batch)
            for i in order:
                layer = layers[i]
                for it in range(max_iter):
                    var = float(np.var(outputs[i], dtype=np.float64))
                    if verbose:
                        print(f"lsuv_: layer {i} ({type(layer).__name__}) pass {it}: output var {var:.4g}")
                    if not math.isfinite(var) or var == 0.0:
                        raise ValueError(
                            f"lsuv_: output of layer {i} ({type(layer).__name__}) has variance {var}; "
                            "cannot rescale it to 1 (dead layer, or an input batch without variance)"
                        )
                    if abs(var - 1.0) < tol:
                        break
                    _copy_into(layer.weight, _to_numpy(layer.weight) / math.sqrt(var))
                    model(batch)
    finally:
        for h in handles:
            h.remove()
    skipped = [i for i in range(len(layers)) if i not in order]
    if skipped:
        warnings.warn(
            f"lsuv_: {len(skipped)} layer(s) not reached by the forward pass were left as they are", stacklevel=2
        )
    return model
