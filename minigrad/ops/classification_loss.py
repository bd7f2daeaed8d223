"""Classification losses beyond the fused softmax cross-entropy of ``loss.py``: binary cross-entropy (on
probabilities and on logits), KL divergence, and cross-entropy / NLL with class weights or with class
probabilities as targets.

With class weights w, the loss of example i with class t_i is w[t_i] * (-log p_i[t_i]), and the mean
divides by the sum of the weights used (not by N), as PyTorch does. With probabilities as targets
(soft labels), the loss of example i is -sum_c w_c q_ic log p_ic, and the mean divides by N.
"""

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.loss import _check_reduction, log_softmax
from minigrad.ops.regression_loss import reduce_loss
from minigrad.shapes import broadcast_shapes
from minigrad.tensor import Tensor

__all__ = [
    "binary_cross_entropy",
    "binary_cross_entropy_with_logits",
    "kl_div",
    "nll_loss_general",
    "weighted_cross_entropy",
    "weighted_nll_loss",
]

_EPS = 1e-12  # PyTorch's floor for x (1 - x) in the gradient of binary cross-entropy


class BinaryCrossEntropy(Op):
    """loss = -w (y log x + (1 - y) log(1 - x)), each log clamped at -100 (so x = 0 or 1 gives a finite
    loss, as in PyTorch);  dloss/dx = w (x - y) / max(x (1 - x), 1e-12);  dloss/dy = w (log(1 - x) - log x)."""

    @staticmethod
    def forward(ctx, x, y, w):
        xp = ctx.xp
        with ctx.backend.quiet():  # log(0) = -inf, then clamped
            log_x = xp.maximum(xp.log(x), x.dtype.type(-100))
            log_1mx = xp.maximum(xp.log1p(-x), x.dtype.type(-100))
        ctx.save_for_backward(x, y, w)
        loss = (y - 1) * log_1mx - y * log_x
        return loss * w if w is not None else loss

    @staticmethod
    def backward(ctx, grad):
        x, y, w = ctx.saved_tensors
        g = grad * w if w is not None else grad
        gx = g * (x - y) / ctx.xp.maximum((1 - x) * x, x.dtype.type(_EPS)) if ctx.needs_input_grad[0] else None
        gy = None
        if ctx.needs_input_grad[1]:  # PyTorch's target gradient uses the unclamped logs: +-inf at x = 0 or 1
            with ctx.backend.quiet():
                gy = g * (ctx.xp.log1p(-x) - ctx.xp.log(x))
        return gx, gy, None


def _weight_array(weight, input, op):
    if weight is None:
        return None
    if not isinstance(weight, Tensor):
        raise TypeError(f"{op}: weight must be a tensor, got {type(weight).__name__}")
    try:
        broadcast_shapes(weight.shape, input.shape)
    except ValueError:
        raise ValueError(f"{op}: weight of shape {weight.shape} does not broadcast to input {input.shape}") from None
    return weight.detach().to(input.dtype)


def _check_pair(input, target, op):  # noqa: A002 - PyTorch's argument name
    if input.dtype.kind != "f":
        raise TypeError(f"{op}: expected a floating point input, got {dtypes.name(input.dtype)}")
    if target.shape != input.shape:
        raise ValueError(
            f"{op}: using a target size ({target.shape}) that is different to the input size ({input.shape}) "
            "is not supported; give them the same shape"
        )
    return target.to(input.dtype) if target.dtype != input.dtype else target


def binary_cross_entropy(input, target, weight=None, size_average=None, reduce=None, reduction="mean"):  # noqa: A002
    """-w (y log x + (1 - y) log(1 - x)) for probabilities x (e.g. the output of a sigmoid) and targets y
    in [0, 1]. For logits, ``binary_cross_entropy_with_logits`` is stabler."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    target = _check_pair(input, target, "binary_cross_entropy")
    x = input.detach()
    if x.numel() and bool(((x < 0) | (x > 1) | (x != x)).any()):
        raise RuntimeError("binary_cross_entropy: all elements of input should be between 0 and 1")
    w = _weight_array(weight, input, "binary_cross_entropy")
    loss = BinaryCrossEntropy.apply(input, target, w)
    return reduce_loss(loss, reduction, "binary_cross_entropy")


class BinaryCrossEntropyWithLogits(Op):
    """loss = w ((1 - y) x + l softplus(-x)),  l = 1 + (pos_weight - 1) y, where softplus(-x) = -log sigmoid(x)
    is computed as log(1 + e^-|x|) + max(-x, 0) (finite for any x);
    dloss/dx = w (l sigmoid(x) - pos_weight y);  dloss/dy = w ((pos_weight - 1) softplus(-x) - x)."""

    @staticmethod
    def forward(ctx, x, y, w, pos_weight):
        xp = ctx.xp
        softplus_neg = xp.log1p(xp.exp(-xp.abs(x))) + xp.maximum(-x, 0)
        scale = (pos_weight - 1) * y + 1 if pos_weight is not None else None
        loss = (1 - y) * x + (scale * softplus_neg if scale is not None else softplus_neg)
        ctx.save_for_backward(x, y, w, pos_weight, softplus_neg)
        return loss * w if w is not None else loss

    @staticmethod
    def backward(ctx, grad):
        x, y, w, pos_weight, softplus_neg = ctx.saved_tensors
        xp = ctx.xp
        g = grad * w if w is not None else grad
        sigmoid = xp.exp(-softplus_neg)
        gx = gy = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                gx = g * (sigmoid - y)
            else:
                t = pos_weight * y
                gx = g * ((t + 1 - y) * sigmoid - t)
        if ctx.needs_input_grad[1]:
            # d/dy [(1 - y) x + (1 + (pw - 1) y) sp] = -x + (pw - 1) sp
            gy = g * ((pos_weight - 1) * softplus_neg - x if pos_weight is not None else -x)
        return gx, gy, None, None


def binary_cross_entropy_with_logits(
    input,
    target,
    weight=None,
    size_average=None,
    reduce=None,
    reduction="mean",
    pos_weight=None,  # noqa: A002
):
    """Binary cross-entropy of sigmoid(input) and target, computed from the logits in one stable step.
    ``pos_weight`` (one value per class, broadcast along the last dim) weighs the positive examples."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    target = _check_pair(input, target, "binary_cross_entropy_with_logits")
    w = _weight_array(weight, input, "binary_cross_entropy_with_logits")
    pw = _weight_array(pos_weight, input, "binary_cross_entropy_with_logits (pos_weight)")
    loss = BinaryCrossEntropyWithLogits.apply(input, target, w, pw)
    return reduce_loss(loss, reduction, "binary_cross_entropy_with_logits")


class KLDiv(Op):
    """Pointwise KL divergence of log-probabilities x from target t:
    t (log t - x) (0 where t = 0), or with log_target: e^t (t - x);
    dloss/dx = -t (or -e^t);  dloss/dt = log t + 1 - x (or e^t (t - x + 1))."""

    @staticmethod
    def forward(ctx, x, t, log_target):
        xp = ctx.xp
        ctx.log_target = log_target
        ctx.save_for_backward(x, t)
        if log_target:
            return xp.exp(t) * (t - x)
        with ctx.backend.quiet():
            t_log_t = xp.where(t == 0, t.dtype.type(0), t * xp.log(t))
        return t_log_t - t * x

    @staticmethod
    def backward(ctx, grad):
        x, t = ctx.saved_tensors
        xp = ctx.xp
        gx = gt = None
        if ctx.needs_input_grad[0]:
            gx = -grad * (xp.exp(t) if ctx.log_target else t)
        if ctx.needs_input_grad[1]:
            if ctx.log_target:
                gt = grad * xp.exp(t) * (t - x + 1)
            else:
                with ctx.backend.quiet():
                    gt = grad * (xp.log(t) + 1 - x)
        return gx, gt, None


def kl_div(input, target, size_average=None, reduce=None, reduction="mean", log_target=False):  # noqa: A002
    """KL(target || exp(input)) pointwise: ``input`` is log-probabilities, ``target`` probabilities (or
    log-probabilities with ``log_target=True``). ``reduction="batchmean"`` (sum / batch size) is the
    mathematically right mean; ``"mean"`` averages over every element, as PyTorch does."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    target = _check_pair(input, target, "kl_div")
    loss = KLDiv.apply(input, target, bool(log_target))
    if reduction == "batchmean":
        return loss.sum() / (input.shape[0] if input.ndim else 1)
    return reduce_loss(loss, reduction, "kl_div")


def _legacy_reduction(size_average, reduce, reduction):
    """PyTorch's deprecated size_average= and reduce= arguments, turned into a reduction."""
    if size_average is None and reduce is None:
        return reduction
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    return "none" if not reduce else ("mean" if size_average else "sum")


# ---- cross-entropy and NLL with class weights or soft targets ---------------------------------------
def _class_weight(weight, c, dtype, op):
    if weight is None:
        return None
    if not isinstance(weight, Tensor) or weight.shape != (c,):
        shape = getattr(weight, "shape", type(weight).__name__)
        raise ValueError(f"{op}: weight must be a tensor of {c} values (one per class), got {shape}")
    return weight.detach().to(dtype)


def _check_targets(target, c, ignore_index, op):
    if target.dtype != dtypes.int64:
        raise TypeError(f"{op}: expected target of dtype int64 (class indices), got {dtypes.name(target.dtype)}")
    bad = (target != ignore_index) & ((target < 0) | (target >= c))
    if target.numel() and bool(bad.any()):
        raise IndexError(f"{op}: target {int(target[bad].reshape(-1)[0].item())} is out of bounds for {c} classes")


def weighted_nll_loss(logp, target, weight, ignore_index, reduction, op="nll_loss"):
    """NLL of log-probabilities ``logp`` (N, C, d1, ...) and class indices ``target`` (N, d1, ...):
    loss_i = -w[t_i] logp[i, t_i] (0 where t_i == ignore_index); mean = sum / sum of those w[t_i]."""
    _check_reduction(reduction, op)
    c = logp.shape[1]
    _check_targets(target, c, ignore_index, op)
    keep = target != ignore_index
    safe = target.masked_fill(~keep, 0)
    picked = logp.gather(1, safe.unsqueeze(1)).squeeze(1)
    w = keep.to(logp.dtype)
    if weight is not None:
        w = w * _class_weight(weight, c, logp.dtype, op)[safe]
    loss = -picked * w
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.sum() / w.sum()


def nll_loss_general(input, target, weight, size_average, ignore_index, reduce, reduction):  # noqa: A002
    """``nll_loss`` with class weights, a (C,) input with a 0-d target, or (N, C, d1, ...) inputs."""
    reduction = _legacy_reduction(size_average, reduce, reduction)
    if input.ndim == 1:
        loss = weighted_nll_loss(input.unsqueeze(0), target.unsqueeze(0), weight, ignore_index, reduction)
        return loss.squeeze(0) if reduction == "none" else loss
    if input.ndim < 2 or target.shape != input.shape[:1] + input.shape[2:]:
        raise ValueError(
            f"nll_loss: expected input (N, C, d1, ...) and target (N, d1, ...), got {input.shape} and {target.shape}"
        )
    return weighted_nll_loss(input, target, weight, ignore_index, reduction)


def weighted_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing):  # noqa: A002
    """Cross-entropy with class ``weight``s and/or probabilities as ``target`` (see the module docstring),
    with PyTorch's label smoothing: (1 - eps) * the loss above + eps / C * the loss against uniform targets."""
    op = "cross_entropy"
    _check_reduction(reduction, op)
    single = input.ndim == 1  # one example (C,) with target () or (C,)
    if single:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    c = input.shape[1]
    w = _class_weight(weight, c, input.dtype, op)
    logp = log_softmax(input, 1)
    if target.dtype.kind == "f":
        if target.shape != input.shape:
            raise TypeError(
                f"{op}: a floating point target is read as class probabilities and needs the input's shape "
                f"{input.shape}, got {target.shape}; for class indices use an int64 target (target.long())"
            )
        q = target.to(input.dtype)
        if label_smoothing:
            q = q * (1 - label_smoothing) + label_smoothing / c
        terms = logp * q if w is None else logp * q * w.reshape((c,) + (1,) * (input.ndim - 2))
        loss = -terms.sum(1)
        out = loss if reduction == "none" else (loss.sum() if reduction == "sum" else loss.mean())
    else:
        out = weighted_nll_loss(logp, target, w, ignore_index, reduction, op)
        if label_smoothing:
            keep = (target != ignore_index).to(input.dtype)
            terms = logp if w is None else logp * w.reshape((c,) + (1,) * (input.ndim - 2))
            smooth = -terms.sum(1) * keep
            if reduction == "sum":
                smooth = smooth.sum()
            elif reduction == "mean":
                used = keep if w is None else keep * w[target.masked_fill(target == ignore_index, 0)]
                smooth = smooth.sum() / used.sum()
            out = (1 - label_smoothing) * out + (label_smoothing / c) * smooth
    return out.squeeze(0) if single and reduction == "none" else out
