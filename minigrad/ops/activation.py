"""Activation functions: the nonlinearity between two layers (lecture slides 3-18).

Each activation is an elementwise function f: forward y = f(x), backward dL/dx = dL/dy * f'(x).
Every function below states f, f', its range, whether its outputs are zero-centred and where it
saturates (f' -> 0, so almost no gradient flows back), because those four facts decide how a
network built from it trains:

- **Saturation** kills the gradient: dL/dx = dL/dy * f'(x), and f'(x) ~ 0 in a flat region. A
  sigmoid unit pushed to x = 10 passes back 4.5e-5 of its gradient; ten such layers, nothing.
- **Not zero-centred** outputs (sigmoid, ReLU: always >= 0) feed the next layer inputs of one sign:
  then every dL/dw_i = dL/dz * x_i of a neuron has the sign of dL/dz, all the same, so gradient
  steps can only move w into two orthants and the path zig-zags.
- **Cost**: exp() is expensive next to max(0, x) (but see below: minigrad's exp is cheap).

The maths of f and f' lives in ``minigrad/scalar_math.py`` (one scalar function each, shared by the
CPU and the GPU kernels); the CPU kernels, one fused loop per direction, in
``minigrad/backends/cpu/activation_kernels.py``. The lecture's advice (slide 18): use ReLU (mind the
learning rate); try Leaky ReLU / Maxout / ELU; try tanh but expect little; do not use sigmoid.

Conventions at the kinks are PyTorch's: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha,
relu6'(0) = relu6'(6) = 0, hardtanh'(min_val) = hardtanh'(max_val) = 0, hardsigmoid'(+-3) = 0,
hardswish'(-3) = 0, hardswish'(3) = 1; Maxout sends the gradient to the first arg-max of a tie.
A NaN input gives a NaN output and a NaN gradient.

``inplace=True`` (PyTorch's argument) writes into the input when no gradient is needed (inference,
``mg.no_grad()``); when autograd needs the graph, minigrad returns a new tensor instead (it has no
in-place autograd), which is what ``x = relu(x, inplace=True)`` expects anyway. A strided view (a
slice, a transpose) is written through, so the tensor it views changes too, as in PyTorch. Read-only
memory raises RuntimeError: an ``expand()``ed tensor (PyTorch refuses it too: several elements share
one memory location) or a tensor made by ``from_numpy`` of a read-only array (which PyTorch would
write anyway, after a warning: a deliberate difference).
"""

import numbers

from minigrad.autograd import Op, is_grad_enabled
from minigrad.tensor import Tensor

__all__ = [
    "sigmoid", "tanh", "relu", "leaky_relu", "prelu", "elu", "selu", "celu", "relu6", "silu", "swish",
    "mish", "gelu", "softplus", "softsign", "hardtanh", "hardsigmoid", "hardswish", "maxout",
    "relu_", "leaky_relu_", "elu_", "selu_", "celu_", "hardtanh_",
]  # fmt: skip


# ================================================================================================
# helpers
# ================================================================================================


def _check_float(input, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{op}(): expected a floating-point tensor, got {input.dtype}; convert it with .float()")


def _in_place(input, op_cls, name, *params):
    """Run the forward kernel into ``input``'s own memory when autograd does not need the graph; else None.

    A contiguous input is written directly (``out=``); a strided view gets the result copied back
    through the view."""
    if is_grad_enabled() and input.requires_grad:
        return None
    array = input.array
    if not getattr(array.flags, "writeable", True):  # (CuPy arrays have no read-only flag)
        raise RuntimeError(
            f"{name}(inplace=True): the input of shape {tuple(input.shape)} is read-only: an expand()ed tensor "
            "(several elements share one memory location) or a read-only NumPy array; clone() it first, or use "
            "the out-of-place version"
        )
    forward_kernel, _ = op_cls.kernels(input._backend())
    if array.flags.c_contiguous:
        forward_kernel(array, *params, out=array)
    else:
        array[...] = forward_kernel(array, *params)
    input._version.value += 1
    return input


def _unary(op_cls, input, name, *params, inplace=False):
    _check_float(input, name)
    if inplace:
        done = _in_place(input, op_cls, name, *params)
        if done is not None:
            return done
    return op_cls.apply(input, *params)


class _FromInput(Op):
    """An activation whose backward recomputes f'(x) from the saved input x.

    Subclasses name their pair of backend kernels: ``kernels(backend)`` returns
    ``(backend.<name>_forward, backend.<name>_backward)``, called as ``forward(x, *params)`` and
    ``backward(grad, x, *params)``.
    """

    @staticmethod
    def kernels(backend):
        raise NotImplementedError

    @classmethod
    def forward(cls, ctx, x, *params):
        ctx.save_for_backward(x)
        ctx.params = params
        forward_kernel, _ = cls.kernels(ctx.backend)
        return forward_kernel(x, *params)

    @classmethod
    def backward(cls, ctx, grad):
        (x,) = ctx.saved_tensors
        _, backward_kernel = cls.kernels(ctx.backend)
        return (backward_kernel(grad, x, *ctx.params),) + (None,) * len(ctx.params)


# ================================================================================================
# sigmoid and tanh: differentiated from their output
# ================================================================================================


class Sigmoid(Op):
    """y = 1 / (1 + e^-x);  dy/dx = y (1 - y), from the saved output."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.backend.sigmoid_forward(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return ctx.backend.sigmoid_backward(grad, y)


def sigmoid(input):
    """Sigmoid (logistic): sigma(x) = 1 / (1 + e^-x).

    - derivative: sigma'(x) = sigma(x) (1 - sigma(x)), at most 1/4 (at x = 0)
    - range (0, 1); **not** zero-centred (always positive)
    - saturates on both sides: sigma'(-10) = sigma'(10) = 4.5e-5, sigma'(0) = 0.25

    Historically popular as a model of a neuron's firing rate, and the lecture's example of what
    goes wrong (slides 4-7): (1) saturated neurons kill the gradient; (2) outputs are not
    zero-centred, so the next layer's weight gradients all share one sign and updates zig-zag;
    (3) exp() is costly. Use it for probabilities (the last layer of a binary classifier), not
    between layers.

    Computed from e^-|x| (never e^+x), so sigmoid(-1000) = 0 and sigmoid(1000) = 1, no overflow.
    Reference: ``minigrad/backends/numpy/activations.py`` (sigmoid_forward, sigmoid_backward).
    """
    _check_float(input, "sigmoid")
    return Sigmoid.apply(input)


class Tanh(Op):
    """y = tanh(x);  dy/dx = 1 - y^2, from the saved output."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.backend.tanh_forward(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return ctx.backend.tanh_backward(grad, y)


def tanh(input):
    """Hyperbolic tangent: tanh(x) = (e^x - e^-x) / (e^x + e^-x) = 2 sigma(2x) - 1.

    - derivative: tanh'(x) = 1 - tanh(x)^2, at most 1 (at x = 0)
    - range (-1, 1); zero-centred
    - saturates on both sides: tanh'(+-10) = 8.2e-9

    The lecture (slide 8): zero-centred, which fixes sigmoid's second problem, but it still
    saturates and kills gradients. In a deep tanh network with too-small weights the activations
    shrink to 0 layer after layer; with too-large ones every unit saturates at +-1 (slides 26-27):
    the motivation for Xavier initialisation.
    Reference: ``minigrad/backends/numpy/activations.py`` (tanh_forward, tanh_backward).
    """
    _check_float(input, "tanh")
    return Tanh.apply(input)


# ================================================================================================
# The ReLU family
# ================================================================================================


class ReLU(_FromInput):
    """y = max(0, x);  dy/dx = 1 for x > 0, 0 for x <= 0."""

    kernels = staticmethod(lambda b: (b.relu_forward, b.relu_backward))


def relu(input, inplace=False):
    """Rectified linear unit: relu(x) = max(0, x).

    - derivative: 1 for x > 0, 0 for x < 0; at x = 0 minigrad (like PyTorch) uses 0
    - range [0, inf); **not** zero-centred
    - does not saturate for x > 0; flat (zero gradient) for x < 0

    The lecture's default (slides 9-11): no saturation in the positive region, very cheap, and in
    practice converges about 6x faster than sigmoid/tanh (Krizhevsky et al. 2012). Its weakness is
    the **dead ReLU**: a unit whose pre-activation is negative for every input (knocked off the data
    manifold by a bad initialisation or a large update) outputs 0, receives zero gradient, and never
    updates again. A common remedy: initialise its bias to a small positive value (0.01).
    Reference: ``minigrad/backends/numpy/activations.py`` (relu_forward, relu_backward).
    """
    if isinstance(input, Tensor) and input.dtype.kind != "f":  # integers: no gradient
        if inplace:
            return input.clamp_(min=0)
        return Tensor._wrap(input._backend().xp.maximum(input.array, 0), input.device)
    return _unary(ReLU, input, "relu", inplace=inplace)


def relu_(input):
    """In-place :func:`relu` (see the note on ``inplace`` in this module's docstring)."""
    return relu(input, inplace=True)


class LeakyReLU(_FromInput):
    """y = x for x > 0, slope * x otherwise;  dy/dx = 1 or slope."""

    kernels = staticmethod(lambda b: (b.leaky_relu_forward, b.leaky_relu_backward))


def leaky_relu(input, negative_slope=0.01, inplace=False):
    """Leaky ReLU: max(0, x) + negative_slope * min(0, x), i.e. max(0.01 x, x) by default.

    - derivative: 1 for x > 0, negative_slope for x <= 0 (negative_slope at 0, like PyTorch)
    - range (-inf, inf); closer to zero-centred than ReLU
    - never saturates

    The lecture (slide 12): the small slope for x < 0 keeps a gradient flowing, so the unit cannot
    die. PReLU learns the slope instead of fixing it.
    Reference: ``minigrad/backends/numpy/activations.py`` (leaky_relu_forward, leaky_relu_backward).
    """
    return _unary(LeakyReLU, input, "leaky_relu", float(negative_slope), inplace=inplace)


def leaky_relu_(input, negative_slope=0.01):
    """In-place :func:`leaky_relu`."""
    return leaky_relu(input, negative_slope, inplace=True)


class PReLU(Op):
    """y = x for x > 0, a_c * x otherwise (a_c the slope of x's channel, dim 1).

    dy/dx = 1 or a_c;  dL/da_c = sum over the elements of channel c with x <= 0 of dL/dy * x.
    """

    @staticmethod
    def forward(ctx, x, weight):
        ctx.save_for_backward(x, weight)
        return ctx.backend.prelu_forward(x, weight)

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        gx, gw = ctx.backend.prelu_backward(grad, x, weight, need_weight_grad=ctx.needs_input_grad[1])
        return gx, gw


def prelu(input, weight):
    """Parametric ReLU (He et al. 2015): max(0, x) + a * min(0, x) with a *learned* slope a.

    ``weight`` holds one slope shared by every element (``numel() == 1``), or one per channel
    (``numel() == input.shape[1]``); inputs with fewer than 2 dims have one channel.

    - derivative: dy/dx = 1 for x > 0, a for x <= 0;  dy/da = 0 for x > 0, x for x <= 0
    - range (-inf, inf); closer to zero-centred than ReLU (negative outputs for x < 0)
    - never saturates, never dies

    The lecture (slide 12): Leaky ReLU whose slope is a parameter, trained by backpropagation with
    the rest. PyTorch's advice: do not apply weight decay to a (it pushes a to 0, i.e. back to ReLU).
    Reference: ``minigrad/backends/numpy/activations.py`` (prelu_forward, prelu_backward).
    """
    _check_float(input, "prelu")
    if not isinstance(weight, Tensor):
        raise TypeError(f"prelu(): weight must be a Tensor, got {type(weight).__name__}")
    if weight.dtype != input.dtype:
        raise TypeError(f"prelu(): weight is {weight.dtype} but input is {input.dtype}; use the same dtype")
    channels = input.shape[1] if input.ndim >= 2 else 1
    if weight.numel() not in (1, channels):
        raise ValueError(
            f"prelu(): weight has {weight.numel()} slopes but the input of shape {tuple(input.shape)} has "
            f"{channels} channels (dim 1); use 1 slope or {channels}"
        )
    return PReLU.apply(input, weight)


class ELU(_FromInput):
    """y = x for x > 0, alpha (e^x - 1) otherwise;  dy/dx = 1 or alpha e^x."""

    kernels = staticmethod(lambda b: (b.elu_forward, b.elu_backward))


def elu(input, alpha=1.0, inplace=False):
    """Exponential linear unit (Clevert et al. 2016): x for x > 0, alpha (e^x - 1) for x <= 0.

    - derivative: 1 for x > 0, alpha e^x for x <= 0 (alpha at x = 0, like PyTorch)
    - range (-alpha, inf); mean output closer to zero than ReLU's
    - saturates for x -> -inf (to -alpha), which makes it robust to noise; linear for x > 0

    The lecture (slide 13): all the benefits of ReLU, outputs closer to zero mean, no dying; but
    it needs exp(). Computed through expm1, exact near 0 (e^x - 1 would round to 0 for x = -1e-8).
    Reference: ``minigrad/backends/numpy/activations.py`` (elu_forward, elu_backward).
    """
    return _unary(ELU, input, "elu", float(alpha), inplace=inplace)


def elu_(input, alpha=1.0):
    """In-place :func:`elu`."""
    return elu(input, alpha, inplace=True)


class SELU(_FromInput):
    """y = scale * elu(x, alpha) with fixed constants;  dy/dx = scale or scale alpha e^x."""

    kernels = staticmethod(lambda b: (b.selu_forward, b.selu_backward))


def selu(input, inplace=False):
    """Scaled ELU (Klambauer et al. 2017): scale * (x if x > 0 else alpha (e^x - 1)),
    alpha = 1.6732632423543772, scale = 1.0507009873554805.

    - derivative: scale for x > 0, scale alpha e^x for x <= 0 (scale alpha at x = 0, like PyTorch)
    - range (-scale alpha, inf) = (-1.758, inf); zero-centred by construction: the constants make a
      layer map zero-mean, unit-variance inputs to zero-mean, unit-variance outputs
      ("self-normalising"), with LeCun-normal weights (gain 3/4 in ``init.calculate_gain``)
    - saturates for x -> -inf (to -1.758); linear (slope 1.05) for x > 0
    Reference: ``minigrad/backends/numpy/activations.py`` (selu_forward, selu_backward).
    """
    return _unary(SELU, input, "selu", inplace=inplace)


def selu_(input):
    """In-place :func:`selu`."""
    return selu(input, inplace=True)


class CELU(_FromInput):
    """y = x for x > 0, alpha (e^(x/alpha) - 1) otherwise;  dy/dx = 1 or e^(x/alpha)."""

    kernels = staticmethod(lambda b: (b.celu_forward, b.celu_backward))


def celu(input, alpha=1.0, inplace=False):
    """Continuously differentiable ELU (Barron 2017): max(0, x) + min(0, alpha (e^(x/alpha) - 1)).

    - derivative: 1 for x > 0, e^(x/alpha) for x <= 0: continuous at 0 for every alpha (ELU's is not
      unless alpha = 1)
    - range (-alpha, inf); mean output closer to zero than ReLU's, like ELU
    - saturates for x -> -inf (to -alpha); linear for x > 0
    Reference: ``minigrad/backends/numpy/activations.py`` (celu_forward, celu_backward).
    """
    if float(alpha) == 0.0:
        raise ValueError("celu(): alpha cannot be 0 (it divides x)")
    return _unary(CELU, input, "celu", float(alpha), inplace=inplace)


def celu_(input, alpha=1.0):
    """In-place :func:`celu`."""
    return celu(input, alpha, inplace=True)


class Hardtanh(_FromInput):
    """y = clip(x, min_val, max_val);  dy/dx = 1 strictly inside, 0 outside and at both ends."""

    kernels = staticmethod(lambda b: (b.hardtanh_forward, b.hardtanh_backward))


def hardtanh(input, min_val=-1.0, max_val=1.0, inplace=False):
    """Hard tanh: x clipped to [min_val, max_val].

    - derivative: 1 for min_val < x < max_val, 0 elsewhere (0 at both ends, like PyTorch)
    - range [min_val, max_val]; zero-centred with the default [-1, 1]
    - saturates (zero gradient) outside the interval
    Reference: ``minigrad/backends/numpy/activations.py`` (hardtanh_forward, hardtanh_backward).
    """
    if float(min_val) > float(max_val):
        raise ValueError(f"hardtanh(): min_val ({min_val}) cannot be greater than max_val ({max_val})")
    return _unary(Hardtanh, input, "hardtanh", float(min_val), float(max_val), inplace=inplace)


def hardtanh_(input, min_val=-1.0, max_val=1.0):
    """In-place :func:`hardtanh`."""
    return hardtanh(input, min_val, max_val, inplace=True)


class ReLU6(_FromInput):
    """y = min(max(0, x), 6);  dy/dx = 1 for 0 < x < 6, else 0."""

    kernels = staticmethod(lambda b: (b.relu6_forward, b.relu6_backward))


def relu6(input, inplace=False):
    """ReLU6: min(max(0, x), 6) = hardtanh(x, 0, 6).

    - derivative: 1 for 0 < x < 6, 0 elsewhere -- including exactly at 0 and at 6, like PyTorch
    - range [0, 6]; not zero-centred
    - saturates for x > 6 (and is flat for x < 0)

    The lecture (slide 18, newer activations): ReLU capped at 6, from MobileNet: a bounded output
    range keeps low-precision (fixed-point) inference accurate.
    Reference: ``minigrad/backends/numpy/activations.py`` (relu6_forward, relu6_backward).
    """
    return _unary(ReLU6, input, "relu6", inplace=inplace)


# ================================================================================================
# Smooth ReLU-like: SiLU/Swish, Mish, GELU, Softplus
# ================================================================================================


class SiLU(_FromInput):
    """y = x sigma(x);  dy/dx = s (1 + x (1 - s)), s = sigma(x)."""

    kernels = staticmethod(lambda b: (b.silu_forward, b.silu_backward))


def silu(input, inplace=False):
    """SiLU (sigmoid-weighted linear unit) = Swish with beta = 1: silu(x) = x sigma(x).

    - derivative: s (1 + x (1 - s)) with s = sigma(x); 1/2 at x = 0
    - range [-0.2785, inf) (minimum at x = -1.2785); not zero-centred, but negative outputs exist
    - smooth and non-monotonic; saturates to 0 for x -> -inf, linear for x -> inf
    Reference: ``minigrad/backends/numpy/activations.py`` (silu_forward, silu_backward).
    """
    return _unary(SiLU, input, "silu", inplace=inplace)


class Swish(Op):
    """y = x sigma(beta x);  dy/dx = s (1 + beta x (1 - s)),  dy/dbeta = x^2 s (1 - s)."""

    @staticmethod
    def forward(ctx, x, beta):
        b = beta.reshape(-1)[0] if hasattr(beta, "shape") else beta
        ctx.save_for_backward(x)
        ctx.beta = b
        ctx.beta_shape = getattr(beta, "shape", None)
        return ctx.backend.swish_forward(x, b)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        need_beta = ctx.beta_shape is not None and ctx.needs_input_grad[1]
        gx, gbeta = ctx.backend.swish_backward(grad, x, ctx.beta, need_beta_grad=need_beta)
        if gbeta is not None:
            gbeta = ctx.xp.full(ctx.beta_shape, gbeta, dtype=x.dtype)
        return gx, gbeta


def swish(input, beta=1.0):
    """Swish (Ramachandran et al. 2017): x sigma(beta x); ``beta`` a number or a one-element Tensor
    (then it is learned: its gradient is dL/dbeta = sum dL/dy x^2 s (1 - s)).

    - derivative: dy/dx = s (1 + beta x (1 - s)) with s = sigma(beta x)
    - beta = 1: SiLU; beta -> inf: ReLU; beta = 0: x / 2
    - range: bounded below (by -0.278 / beta for beta > 0), unbounded above; not zero-centred
    - smooth, non-monotonic; saturates to 0 for x -> -inf, linear for x -> inf

    The lecture (slide 18) lists it among the newer activations found by automated search.
    Reference: ``minigrad/backends/numpy/activations.py`` (swish_forward, swish_backward).
    """
    _check_float(input, "swish")
    if isinstance(beta, Tensor):
        if beta.numel() != 1:
            raise ValueError(f"swish(): beta must have one element, got shape {tuple(beta.shape)}")
        if beta.dtype != input.dtype:
            raise TypeError(f"swish(): beta is {beta.dtype} but input is {input.dtype}")
        return Swish.apply(input, beta)
    if not isinstance(beta, numbers.Real):
        raise TypeError(f"swish(): beta must be a number or a Tensor, got {type(beta).__name__}")
    return Swish.apply(input, float(beta))


class Mish(_FromInput):
    """y = x tanh(softplus(x));  dy/dx = tanh(sp) + x sigma(x) sech^2(sp)."""

    kernels = staticmethod(lambda b: (b.mish_forward, b.mish_backward))


def mish(input, inplace=False):
    """Mish (Misra 2019): x tanh(softplus(x)) = x tanh(ln(1 + e^x)).

    - derivative: tanh(sp(x)) + x sigma(x) (1 - tanh^2(sp(x))), sp = softplus
    - range [-0.3088, inf); not zero-centred; smooth, non-monotonic, like Swish
    - saturates to 0 for x -> -inf; linear for x -> inf

    The lecture (slide 18): one of the newer activations. Computed with a single exp:
    tanh(ln(1 + e)) = n / (n + 2) with n = e (e + 2), e = e^x, and x itself above 20.
    Reference: ``minigrad/backends/numpy/activations.py`` (mish_forward, mish_backward).
    """
    return _unary(Mish, input, "mish", inplace=inplace)


class GELU(_FromInput):
    """y = x Phi(x) (or its tanh approximation);  dy/dx = Phi(x) + x phi(x)."""

    kernels = staticmethod(lambda b: (b.gelu_forward, b.gelu_backward))


def gelu(input, approximate="none"):
    """Gaussian error linear unit (Hendrycks & Gimpel 2016): x Phi(x), Phi the standard normal CDF.

    ``approximate="none"``: x (1 + erf(x / sqrt 2)) / 2, exactly.
    ``approximate="tanh"``: x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2 (BERT's and GPT-2's);
    the two differ by up to ~5e-4, so use the one a model was trained with.

    - derivative: Phi(x) + x phi(x), phi the normal density (tanh form: its own derivative)
    - range [-0.17, inf); not zero-centred; smooth, non-monotonic
    - saturates to 0 for x -> -inf; linear for x -> inf

    The activation of BERT and GPT: ReLU's shape with a smooth knee, each input weighted by the
    probability that a standard normal variable is below it.
    Reference: ``minigrad/backends/numpy/activations.py`` (gelu_forward, gelu_backward).
    """
    if approximate not in ("none", "tanh"):
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")
    return _unary(GELU, input, "gelu", approximate)


class Softplus(_FromInput):
    """y = log(1 + e^(beta x)) / beta (x above the threshold);  dy/dx = sigma(beta x) (1 above)."""

    kernels = staticmethod(lambda b: (b.softplus_forward, b.softplus_backward))


def softplus(input, beta=1.0, threshold=20.0):
    """Softplus: log(1 + e^(beta x)) / beta, a smooth ReLU; for beta x > threshold it returns x.

    - derivative: sigma(beta x) (1 above the threshold)
    - range (0, inf); not zero-centred
    - saturates (to 0) for x -> -inf

    Computed as (max(bx, 0) + log1p(e^-|bx|)) / beta: e^(beta x) is never formed, so large inputs
    neither overflow nor turn the gradient into NaN.
    Reference: ``minigrad/backends/numpy/activations.py`` (softplus_forward, softplus_backward).
    """
    if float(beta) == 0.0:
        raise ValueError("softplus(): beta cannot be 0")
    return _unary(Softplus, input, "softplus", float(beta), float(threshold))


# ================================================================================================
# Softsign and the "hard" piecewise-linear approximations
# ================================================================================================


class Softsign(_FromInput):
    """y = x / (1 + |x|);  dy/dx = 1 / (1 + |x|)^2."""

    kernels = staticmethod(lambda b: (b.softsign_forward, b.softsign_backward))


def softsign(input):
    """Softsign: x / (1 + |x|), a tanh-like curve approached polynomially instead of exponentially.

    - derivative: 1 / (1 + |x|)^2
    - range (-1, 1); zero-centred
    - saturates, but slowly: softsign'(10) = 0.0083 where tanh'(10) = 8.2e-9
    Reference: ``minigrad/backends/numpy/activations.py`` (softsign_forward, softsign_backward).
    """
    return _unary(Softsign, input, "softsign")


class Hardsigmoid(_FromInput):
    """y = relu6(x + 3) / 6;  dy/dx = 1/6 for -3 < x < 3, else 0."""

    kernels = staticmethod(lambda b: (b.hardsigmoid_forward, b.hardsigmoid_backward))


def hardsigmoid(input, inplace=False):
    """Hard sigmoid: relu6(x + 3) / 6 -- 0 below -3, 1 above 3, linear in between.

    - derivative: 1/6 for -3 < x < 3, 0 elsewhere (0 at +-3, like PyTorch)
    - range [0, 1]; not zero-centred; saturates outside [-3, 3]

    A cheap sigmoid without exp (MobileNetV3).
    Reference: ``minigrad/backends/numpy/activations.py`` (hardsigmoid_forward, hardsigmoid_backward).
    """
    return _unary(Hardsigmoid, input, "hardsigmoid", inplace=inplace)


class Hardswish(_FromInput):
    """y = x relu6(x + 3) / 6;  dy/dx = 0 (x <= -3), x/3 + 1/2 (-3 < x < 3), 1 (x >= 3)."""

    kernels = staticmethod(lambda b: (b.hardswish_forward, b.hardswish_backward))


def hardswish(input, inplace=False):
    """Hard swish (MobileNetV3): x relu6(x + 3) / 6 -- Swish with its sigmoid made piecewise linear.

    - derivative: 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 for x >= 3 (PyTorch's values at the
      kinks: 0 at -3, 1 at 3)
    - range [-0.375, inf); not zero-centred; flat (zero gradient) below -3, linear above 3
    Reference: ``minigrad/backends/numpy/activations.py`` (hardswish_forward, hardswish_backward).
    """
    return _unary(Hardswish, input, "hardswish", inplace=inplace)


# ================================================================================================
# Maxout
# ================================================================================================


class Maxout(Op):
    """y_j = max over the group j of `pieces` consecutive entries along `dim`;
    dL/dx = dL/dy_j at the first arg-max of group j, 0 at the others."""

    @staticmethod
    def forward(ctx, x, pieces, dim):
        ctx.save_for_backward(x)
        ctx.pieces, ctx.dim = pieces, dim
        return ctx.backend.maxout_forward(x, pieces, dim)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return ctx.backend.maxout_backward(grad, x, ctx.pieces, ctx.dim), None, None


def maxout(input, pieces, dim=1):
    """Maxout (Goodfellow et al. 2013) over ``dim``: the max of each group of ``pieces`` consecutive
    entries, so ``dim`` shrinks from k * pieces to k (not in PyTorch; ``nn.Maxout`` adds the affine
    maps).

    A maxout unit computes max(w_1 x + b_1, ..., w_k x + b_k): a learned convex piecewise-linear
    function. With two pieces it contains ReLU (w_2 = 0, b_2 = 0) and Leaky ReLU as special cases.

    - derivative: 1 for the winning piece (the first one in a tie), 0 for the others
    - range (-inf, inf), outputs of either sign; linear pieces: no saturation, no dying
    - cost: ``pieces`` times the parameters of one linear unit (the lecture, slide 14: "doubles the
      number of parameters per neuron")
    Reference: ``minigrad/backends/numpy/activations.py`` (maxout_forward, maxout_backward).
    """
    _check_float(input, "maxout")
    if not isinstance(pieces, numbers.Integral) or pieces < 1:
        raise ValueError(f"maxout(): pieces must be a positive integer, got {pieces!r}")
    ndim = input.ndim
    if not -ndim <= dim < ndim:
        raise IndexError(f"maxout(): dim {dim} is out of range for an input of {ndim} dimensions")
    if input.shape[dim] % pieces:
        raise ValueError(
            f"maxout(): the size of dim {dim} ({input.shape[dim]}) is not a multiple of pieces ({pieces}); "
            f"input shape {tuple(input.shape)}"
        )
    return Maxout.apply(input, int(pieces), dim % ndim)
