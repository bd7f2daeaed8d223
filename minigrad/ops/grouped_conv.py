"""Grouped convolution (``conv2d(..., groups=g)``): the input channels and the filters are split into g
groups, and group j's filters see only group j's channels (AlexNet's two GPUs; ``groups = channels`` is
the depthwise convolution of MobileNet). It is g ordinary convolutions, concatenated along channels:

    weight (F, C / g, kh, kw);  out[:, group j's filters] = conv2d(x[:, group j's channels], weight[group j])
"""

from minigrad.ops.shape import cat
from minigrad.ops.tiling import split

__all__ = ["grouped_conv2d"]


def grouped_conv2d(input, weight, bias, stride, padding, dilation, groups):  # noqa: A002
    """``conv2d`` with ``groups > 1``, as one conv2d per group (the gradients follow through the slices)."""
    from minigrad.ops.conv import conv2d

    if not isinstance(groups, int) or groups < 1:
        raise ValueError(f"conv2d: groups must be a positive integer, got {groups!r}")
    if input.ndim != 4 or weight.ndim != 4:
        raise RuntimeError(f"conv2d: expected 4-d input and weight, got {input.shape} and {weight.shape}")
    c, f = input.shape[1], weight.shape[0]
    if c % groups or f % groups:
        raise RuntimeError(f"conv2d: {c} input channels and {f} filters must both be divisible by groups={groups}")
    if weight.shape[1] != c // groups:
        raise RuntimeError(
            f"conv2d: with groups={groups}, weight {weight.shape} should have {c // groups} input channels "
            f"(input has {c})"
        )
    xs, ws = split(input, c // groups, 1), split(weight, f // groups, 0)
    bs = split(bias, f // groups, 0) if bias is not None else [None] * groups
    return cat([conv2d(x, w, b, stride, padding, dilation) for x, w, b in zip(xs, ws, bs)], 1)
