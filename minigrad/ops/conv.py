"""2-D convolution and pooling on (N, C, H, W) tensors, by im2col on the device's array namespace.

im2col turns convolution into one matrix product: every receptive field (C x kh x kw values) becomes
a row of a "columns" matrix, and the output is ``columns @ weight.reshape(F, -1).T``. The backward
pass is the same product transposed, followed by col2im: each row of the column gradient is added
back onto the input positions it came from (windows overlap, so positions collect several terms).

Output size along one axis: ``(H + 2 padding - dilation (k - 1) - 1) // stride + 1``.
"""

import math

from minigrad import dtypes
from minigrad.autograd import Op

__all__ = ["conv2d", "max_pool2d", "avg_pool2d"]


def _pair(v, name, op, least=None):
    """An int or a pair of ints as a pair; ``least``: the smallest value allowed (PyTorch refuses a
    stride, dilation or kernel size of 0 and a negative padding)."""
    if dtypes.is_integer(v):
        v = int(v), int(v)
    else:
        v = tuple(int(a) for a in v)
    if len(v) != 2:
        raise ValueError(f"{op}: {name} must be an int or a pair of ints, got {v}")
    if least is not None and min(v) < least:
        expected = "positive" if least == 1 else "non-negative"
        raise RuntimeError(f"{op}: {name} must be {expected}, got {v}")
    return v


def _out_size(size, k, s, p, d, op, shape):
    out = (size + 2 * p - d * (k - 1) - 1) // s + 1
    if out <= 0:
        raise RuntimeError(
            f"{op}: input of shape {shape} is too small for kernel {k} (dilation {d}, padding {p}, stride {s})"
        )
    return out


def _windows(xp, x, kh, kw, sh, sw, dh, dw, ho, wo):
    """View of every receptive field of the padded x: (N, C, Ho, Wo, kh, kw), no copy.

    Window (i, j) starts at row i * sh, column j * sw; its element (a, b) is a * dh rows and
    b * dw columns further: the view only needs strides, read-only use.
    """
    s0, s1, s2, s3 = x.strides
    shape = x.shape[:2] + (ho, wo, kh, kw)
    return xp.lib.stride_tricks.as_strided(x, shape, (s0, s1, s2 * sh, s3 * sw, s2 * dh, s3 * dw))


def _col2im(xp, gwin, shape, kh, kw, sh, sw, dh, dw, ho, wo):
    """Add the window gradients (N, C, Ho, Wo, kh, kw) back onto a zero (N, C, Hp, Wp) array."""
    g = xp.zeros(shape, dtype=gwin.dtype)
    for i in range(kh):
        for j in range(kw):
            g[:, :, i * dh : i * dh + sh * (ho - 1) + 1 : sh, j * dw : j * dw + sw * (wo - 1) + 1 : sw] += gwin[
                :, :, :, :, i, j
            ]
    return g


def _pad(xp, x, ph, pw, value=0.0):
    if ph == 0 and pw == 0:
        return x
    return xp.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)), constant_values=value)


def _unpad(g, ph, pw):
    return g[:, :, ph : g.shape[2] - ph, pw : g.shape[3] - pw]


class Conv2d(Op):
    """out[n, f, i, j] = b[f] + sum_{c, u, v} w[f, c, u, v] x_pad[n, c, i*s + u*d, j*s + v*d]  (im2col: one
    matrix product cols @ W^T);  dL/dW = G^T cols, dL/db = sum of G over n, i, j, and dL/dx = col2im(G W):
    each window's gradient added back onto the input positions it read (G = dL/dout as rows)."""

    @staticmethod
    def forward(ctx, x, weight, bias, stride, padding, dilation):
        (sh, sw), (ph, pw), (dh, dw) = stride, padding, dilation
        n, c, h, w = x.shape
        f, _, kh, kw = weight.shape
        ho = _out_size(h, kh, sh, ph, dh, "conv2d", x.shape)
        wo = _out_size(w, kw, sw, pw, dw, "conv2d", x.shape)
        xpad = _pad(ctx.xp, x, ph, pw)
        win = _windows(ctx.xp, xpad, kh, kw, sh, sw, dh, dw, ho, wo)  # (N, C, Ho, Wo, kh, kw)
        cols = win.transpose(0, 2, 3, 1, 4, 5).reshape(n * ho * wo, c * kh * kw)  # the im2col copy
        out = cols @ weight.reshape(f, -1).T  # (N*Ho*Wo, F)
        if bias is not None:
            out += bias
        ctx.save_for_backward(cols, weight)
        ctx.geom = (x.shape, xpad.shape, kh, kw, sh, sw, dh, dw, ph, pw, ho, wo)
        return out.reshape(n, ho, wo, f).transpose(0, 3, 1, 2)

    @staticmethod
    def backward(ctx, grad):
        cols, weight = ctx.saved_tensors
        xshape, pshape, kh, kw, sh, sw, dh, dw, ph, pw, ho, wo = ctx.geom
        n, c = xshape[:2]
        f = weight.shape[0]
        g2 = grad.transpose(0, 2, 3, 1).reshape(-1, f)  # (N*Ho*Wo, F)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gcols = (g2 @ weight.reshape(f, -1)).reshape(n, ho, wo, c, kh, kw).transpose(0, 3, 1, 2, 4, 5)
            gx = _unpad(_col2im(ctx.xp, gcols, pshape, kh, kw, sh, sw, dh, dw, ho, wo), ph, pw)
        if ctx.needs_input_grad[1]:
            gw = (g2.T @ cols).reshape(weight.shape)
        if ctx.needs_input_grad[2]:
            gb = g2.sum(axis=0)
        return gx, gw, gb, None, None, None


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D cross-correlation (what deep learning calls convolution), PyTorch's arguments.

    input (N, C, H, W), weight (F, C, kh, kw), bias (F,) -> output (N, F, Ho, Wo).
    As in PyTorch, input, weight and bias share one dtype (no silent promotion; a TypeError where
    PyTorch raises RuntimeError), stride, dilation and the kernel size are positive and padding is
    non-negative (RuntimeError); a batch of 0 images gives an empty output.
    """
    if groups != 1:  # one convolution per group of channels: grouped_conv.py
        from minigrad.ops.grouped_conv import grouped_conv2d

        return grouped_conv2d(input, weight, bias, stride, padding, dilation, groups)
    if input.ndim != 4:
        raise RuntimeError(f"conv2d: expected a 4-D input (N, C, H, W), got shape {input.shape}")
    if weight.ndim != 4 or weight.shape[1] != input.shape[1]:
        raise RuntimeError(
            f"conv2d: input has {input.shape[1]} channels (shape {input.shape}), but weight of shape "
            f"{weight.shape} expects {weight.shape[1] if weight.ndim == 4 else '?'}"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(f"conv2d: bias must have shape ({weight.shape[0]},), got {bias.shape}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and t.dtype != input.dtype:
            raise TypeError(
                f"conv2d: input is {input.dtype} but {name} is {t.dtype}; expected the same dtype (convert one with "
                ".to(dtype), as PyTorch requires too)"
            )
    if min(weight.shape[2:]) <= 0:
        raise RuntimeError(f"conv2d: kernel size must be positive, got weight of shape {weight.shape}")
    args = (
        _pair(stride, "stride", "conv2d", least=1),
        _pair(padding, "padding", "conv2d", least=0),
        _pair(dilation, "dilation", "conv2d", least=1),
    )
    return Conv2d.apply(input, weight, bias, *args)


def _pool_args(op, input, kernel_size, stride, padding, dilation=1):
    if input.ndim != 4:
        raise RuntimeError(f"{op}: expected a 4-D input (N, C, H, W), got shape {input.shape}")
    k = _pair(kernel_size, "kernel_size", op, least=1)
    s = _pair(stride if stride not in (None, ()) else kernel_size, "stride", op, least=1)
    p = _pair(padding, "padding", op, least=0)
    d = _pair(dilation, "dilation", op, least=1)
    if p[0] > k[0] // 2 or p[1] > k[1] // 2:
        raise ValueError(f"{op}: padding {p} should be at most half of the kernel size {k}")
    ho = _out_size(input.shape[2], k[0], s[0], p[0], d[0], op, input.shape)
    wo = _out_size(input.shape[3], k[1], s[1], p[1], d[1], op, input.shape)
    return k, s, p, d, ho, wo


class MaxPool2d(Op):
    """The max of each window; the gradient goes to the (first) position of that max."""

    @staticmethod
    def forward(ctx, x, k, s, p, d, ho, wo):
        xp = ctx.xp
        xpad = _pad(xp, x, p[0], p[1], -math.inf)
        win = _windows(xp, xpad, k[0], k[1], s[0], s[1], d[0], d[1], ho, wo)
        flat = win.reshape(*win.shape[:4], k[0] * k[1])  # (not -1: a 0-size batch has no size to infer from)
        arg = flat.argmax(axis=-1)
        ctx.save_for_backward(arg)
        ctx.geom = (xpad.shape, k, s, p, d, ho, wo)
        return xp.take_along_axis(flat, arg[..., None], axis=-1)[..., 0]

    @staticmethod
    def backward(ctx, grad):
        (arg,) = ctx.saved_tensors
        pshape, k, s, p, d, ho, wo = ctx.geom
        xp = ctx.xp
        chosen = arg[..., None] == xp.arange(k[0] * k[1])  # one-hot: the window's winning position
        gwin = (chosen * grad[..., None]).astype(grad.dtype).reshape(grad.shape + k)
        return _unpad(_col2im(xp, gwin, pshape, *k, *s, *d, ho, wo), *p), None, None, None, None, None, None


def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False, return_indices=False):
    """The max of each ``kernel_size`` window (moved by ``stride``, default kernel_size; padding counts as
    -inf), per channel, of (N, C, H, W) input; the gradient goes to the first maximum of each window.
    ``ceil_mode`` keeps partial windows at the end; ``return_indices`` also returns each maximum's flat
    position in its input plane (for ``max_unpool2d``)."""
    if ceil_mode or return_indices:  # pooling.py adds partial windows and the positions of the maxima
        from minigrad.ops.pooling import max_pool2d_with_options

        return max_pool2d_with_options(input, kernel_size, stride, padding, dilation, ceil_mode, return_indices)
    return MaxPool2d.apply(input, *_pool_args("max_pool2d", input, kernel_size, stride, padding, dilation))


class AvgPool2d(Op):
    """The mean of each window; each input position gets grad / divisor from every window it is in."""

    @staticmethod
    def forward(ctx, x, k, s, p, ho, wo, count_include_pad, divisor_override):
        d = (1, 1)
        xp = ctx.xp
        xpad = _pad(xp, x, p[0], p[1])
        total = _windows(xp, xpad, k[0], k[1], s[0], s[1], 1, 1, ho, wo).sum(axis=(-1, -2))
        if divisor_override is not None:
            divisor = x.dtype.type(divisor_override)
        elif count_include_pad or p == (0, 0):
            divisor = x.dtype.type(k[0] * k[1])
        else:  # count the real (unpadded) positions of each window
            ones = _pad(xp, ctx.backend.ones((1, 1) + x.shape[2:], x.dtype), p[0], p[1])
            divisor = _windows(xp, ones, k[0], k[1], s[0], s[1], 1, 1, ho, wo).sum(axis=(-1, -2))
        ctx.geom = (xpad.shape, k, s, p, d, ho, wo, divisor)
        return (total / divisor).astype(x.dtype)

    @staticmethod
    def backward(ctx, grad):
        pshape, k, s, p, d, ho, wo, divisor = ctx.geom
        g = (grad / divisor).astype(grad.dtype)
        gwin = ctx.xp.broadcast_to(g[..., None, None], g.shape + k)
        return (_unpad(_col2im(ctx.xp, gwin, pshape, *k, *s, *d, ho, wo), *p),) + (None,) * 7


def avg_pool2d(
    input, kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None
):
    """The mean of each ``kernel_size`` window (moved by ``stride``, default kernel_size), per channel; each
    input position gets grad / divisor from every window it is in. The divisor is kh * kw, or only the
    unpadded positions with ``count_include_pad=False``, or ``divisor_override``."""
    if ceil_mode:
        raise NotImplementedError("avg_pool2d: ceil_mode is not supported by minigrad yet")
    k, s, p, _, ho, wo = _pool_args("avg_pool2d", input, kernel_size, stride, padding)
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("avg_pool2d: divisor_override must not be zero")
    return AvgPool2d.apply(input, k, s, p, ho, wo, bool(count_include_pad), divisor_override)
