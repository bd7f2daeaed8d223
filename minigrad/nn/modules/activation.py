"""Activation modules: ``nn.ReLU()`` and friends, thin wrappers around ``minigrad.nn.functional``.

Each module holds the arguments of its function (PyTorch's names and defaults) and, for PReLU,
Swish(learnable=True) and Maxout, the parameters. The maths -- formula, derivative, range, where
it saturates, what the lecture says -- is in the docstrings of ``minigrad/ops/activation.py``.
"""

import math
import warnings

from minigrad import dtypes
from minigrad.nn import init
from minigrad.nn.module import Module, Parameter
from minigrad.ops import activation as A
from minigrad.ops.linalg import linear
from minigrad.ops.loss import log_softmax, softmax
from minigrad.tensor import Tensor, empty, full

__all__ = [
    "Sigmoid", "Tanh", "ReLU", "LeakyReLU", "PReLU", "ELU", "SELU", "CELU", "ReLU6", "SiLU", "Swish",
    "Mish", "GELU", "Softplus", "Softsign", "Hardtanh", "Hardsigmoid", "Hardswish", "Maxout", "Softmax",
    "LogSoftmax",
]  # fmt: skip


def _inplace_repr(inplace, first=True):
    if not inplace:
        return ""
    return "inplace=True" if first else ", inplace=True"


class Sigmoid(Module):
    """sigmoid(x) = 1 / (1 + e^-x), range (0, 1); see ``F.sigmoid``."""

    def forward(self, input):
        return A.sigmoid(input)


class Tanh(Module):
    """tanh(x), range (-1, 1), zero-centred; see ``F.tanh``."""

    def forward(self, input):
        return A.tanh(input)


class ReLU(Module):
    """max(0, x); see ``F.relu``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return A.relu(input, inplace=self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class LeakyReLU(Module):
    """max(0, x) + negative_slope * min(0, x); see ``F.leaky_relu``."""

    def __init__(self, negative_slope=0.01, inplace=False):
        super().__init__()
        self.negative_slope = negative_slope
        self.inplace = inplace

    def forward(self, input):
        return A.leaky_relu(input, self.negative_slope, self.inplace)

    def extra_repr(self):
        return f"negative_slope={self.negative_slope}" + _inplace_repr(self.inplace, first=False)


class PReLU(Module):
    """max(0, x) + a * min(0, x) with learned slopes ``weight``: one shared (``num_parameters=1``) or
    one per channel (dim 1 of the input), initialised to ``init``; see ``F.prelu``.

    Weight decay pushes the slopes to 0 (back to ReLU): PyTorch advises against it. The parameter
    carries ``no_weight_decay = True`` for optimizers that honour the tag.
    """

    def __init__(self, num_parameters=1, init=0.25, device=None, dtype=None):
        super().__init__()
        if num_parameters < 1:
            raise ValueError(f"PReLU: num_parameters must be at least 1, got {num_parameters}")
        self.num_parameters = num_parameters
        self.init = init
        dtype = dtypes.as_dtype(dtype) or dtypes.default_float
        self.weight = Parameter(full((num_parameters,), init, dtype=dtype))
        if device not in (None, "cpu"):
            self.to(device)
        self.weight.no_weight_decay = True

    def reset_parameters(self):
        """Re-initialise the parameters as the constructor did."""
        init.constant_(self.weight, self.init)

    def forward(self, input):
        return A.prelu(input, self.weight)

    def extra_repr(self):
        return f"num_parameters={self.num_parameters}"


class ELU(Module):
    """x for x > 0, alpha (e^x - 1) otherwise; see ``F.elu``."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return A.elu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace, first=False)


class SELU(Module):
    """scale * elu(x, alpha) with the self-normalising constants; see ``F.selu``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return A.selu(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class CELU(Module):
    """max(0, x) + min(0, alpha (e^(x/alpha) - 1)); see ``F.celu``."""

    def __init__(self, alpha=1.0, inplace=False):
        super().__init__()
        self.alpha = alpha
        self.inplace = inplace

    def forward(self, input):
        return A.celu(input, self.alpha, self.inplace)

    def extra_repr(self):
        return f"alpha={self.alpha}" + _inplace_repr(self.inplace, first=False)


class Hardtanh(Module):
    """x clipped to [min_val, max_val]; see ``F.hardtanh``. (``min_value``/``max_value`` are PyTorch's
    deprecated spellings.)"""

    def __init__(self, min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None):
        super().__init__()
        if min_value is not None:
            min_val = min_value
        if max_value is not None:
            max_val = max_value
        if min_val > max_val:
            raise ValueError(f"Hardtanh: min_val ({min_val}) cannot be greater than max_val ({max_val})")
        self.min_val = min_val
        self.max_val = max_val
        self.inplace = inplace

    def forward(self, input):
        return A.hardtanh(input, self.min_val, self.max_val, self.inplace)

    def extra_repr(self):
        return f"min_val={self.min_val}, max_val={self.max_val}" + _inplace_repr(self.inplace, first=False)


class ReLU6(Hardtanh):
    """min(max(0, x), 6) = Hardtanh(0, 6); see ``F.relu6``."""

    def __init__(self, inplace=False):
        super().__init__(0.0, 6.0, inplace)

    def forward(self, input):
        return A.relu6(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class SiLU(Module):
    """x sigmoid(x) (Swish with beta = 1); see ``F.silu``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return A.silu(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Swish(Module):
    """x sigmoid(beta x) (Ramachandran et al. 2017); see ``F.swish``.

    With ``learnable=True``, beta is a Parameter of shape (1,), trained with the rest of the model;
    otherwise a fixed number. Not in PyTorch (whose ``nn.SiLU`` is Swish with beta = 1).
    """

    def __init__(self, beta=1.0, learnable=False):
        super().__init__()
        self.learnable = learnable
        if learnable:
            self.beta = Parameter(full((1,), beta, dtype=dtypes.default_float))
        else:
            self.beta = float(beta)

    def forward(self, input):
        beta = self.beta
        if isinstance(beta, Tensor) and beta.dtype != input.dtype:
            beta = beta.to(input.dtype)
        return A.swish(input, beta)

    def extra_repr(self):
        if self.learnable:
            return f"beta={self.beta.item():g}, learnable=True"
        return f"beta={self.beta:g}"


class Mish(Module):
    """x tanh(softplus(x)); see ``F.mish``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return A.mish(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class GELU(Module):
    """x Phi(x), exact (``approximate="none"``) or with the tanh formula; see ``F.gelu``."""

    def __init__(self, approximate="none"):
        super().__init__()
        if approximate not in ("none", "tanh"):
            raise ValueError(f"GELU: approximate must be 'none' or 'tanh', got {approximate!r}")
        self.approximate = approximate

    def forward(self, input):
        return A.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Softplus(Module):
    """log(1 + e^(beta x)) / beta, x above the threshold; see ``F.softplus``."""

    def __init__(self, beta=1.0, threshold=20.0):
        super().__init__()
        self.beta = beta
        self.threshold = threshold

    def forward(self, input):
        return A.softplus(input, self.beta, self.threshold)

    def extra_repr(self):
        return f"beta={self.beta}, threshold={self.threshold}"


class Softsign(Module):
    """x / (1 + |x|); see ``F.softsign``."""

    def forward(self, input):
        return A.softsign(input)


class Hardsigmoid(Module):
    """relu6(x + 3) / 6; see ``F.hardsigmoid``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return A.hardsigmoid(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Hardswish(Module):
    """x relu6(x + 3) / 6; see ``F.hardswish``."""

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return A.hardswish(input, self.inplace)

    def extra_repr(self):
        return _inplace_repr(self.inplace)


class Maxout(Module):
    """Maxout layer (Goodfellow et al. 2013): output j = max over k < pieces of (W x + b)[j*pieces + k].

    ``weight`` is (out_features * pieces, in_features) and ``bias`` (out_features * pieces): the
    ``pieces`` affine maps of output j are the consecutive rows j*pieces ... j*pieces + pieces - 1.
    Initialised like ``nn.Linear`` (U(-1/sqrt(in), 1/sqrt(in))). The input's last dim is the feature
    dim, as for Linear.

    With pieces = 2 a unit can represent ReLU (one map at 0) or Leaky ReLU; it never saturates and
    never dies, at the price of ``pieces`` times the parameters of a Linear layer (lecture slide 14).
    """

    def __init__(self, in_features, out_features, pieces=2, bias=True, device=None, dtype=None):
        super().__init__()
        if pieces < 1:
            raise ValueError(f"Maxout: pieces must be at least 1, got {pieces}")
        self.in_features, self.out_features, self.pieces = in_features, out_features, pieces
        dtype = dtypes.as_dtype(dtype) or dtypes.default_float
        rows = out_features * pieces
        self.weight = Parameter(empty(rows, in_features, dtype=dtype))
        if bias:
            self.bias = Parameter(empty(rows, dtype=dtype))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()
        if device not in (None, "cpu"):
            self.to(device)

    def reset_parameters(self):
        """Re-initialise the parameters as the constructor did."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            bound = 1 / math.sqrt(self.in_features) if self.in_features > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):
        return A.maxout(linear(input, self.weight, self.bias), self.pieces, dim=-1)

    def extra_repr(self):
        return (
            f"in_features={self.in_features}, out_features={self.out_features}, pieces={self.pieces}, "
            f"bias={self.bias is not None}"
        )


def _softmax_dim(module, ndim):
    """PyTorch's legacy choice when a Softmax module was built without ``dim``: 0 for 0-, 1- and 3-d
    inputs, else 1 (with the same deprecation warning)."""
    if module.dim is not None:
        return module.dim
    warnings.warn(
        f"Implicit dimension choice for {type(module).__name__.lower()} has been deprecated. "
        "Change the call to include dim=X as an argument.",
        stacklevel=3,
    )
    return 0 if ndim in (0, 1, 3) else 1


class _SoftmaxBase(Module):
    def __init__(self, dim=None):
        super().__init__()
        self.dim = dim

    def extra_repr(self):
        return f"dim={self.dim}"


class Softmax(_SoftmaxBase):
    """softmax along ``dim``: exp(x_j) / sum_k exp(x_k), each slice sums to 1; see ``F.softmax``."""

    def forward(self, input):
        return softmax(input, _softmax_dim(self, input.ndim))


class LogSoftmax(_SoftmaxBase):
    """log softmax along ``dim``: x_j - log sum_k exp(x_k) (pair it with NLLLoss); see ``F.log_softmax``."""

    def forward(self, input):
        return log_softmax(input, _softmax_dim(self, input.ndim))
