"""Utilities on modules.

``fuse_batchnorm(layer, bn)``: at inference a BatchNorm is a fixed per-channel linear map
(lecture 4: "BN becomes a linear operator, it can be fused with the previous FC or conv layer"):

    bn(z) = (z - running_mean) / sqrt(running_var + eps) * gamma + beta = s * z + (beta - s * running_mean)
    with s = gamma / sqrt(running_var + eps), one number per channel.

Following a layer z = W x + b, the two are one layer with W' = s W (row c of W, or filter c of a
convolution, scaled by s_c) and b' = s (b - running_mean) + beta.
"""

from minigrad import dtypes
from minigrad.autograd import no_grad
from minigrad.tensor import full

__all__ = ["fuse_batchnorm"]


def fuse_batchnorm(layer, bn):
    """A new Linear or Conv2d whose output equals ``bn(layer(x))`` with ``bn`` in eval mode.

    ``layer``: an nn.Linear or nn.Conv2d; ``bn``: an nn.BatchNorm1d/2d over its output channels,
    with running statistics (track_running_stats=True). Neither argument is changed. The folded
    weights are computed in float64 and stored in the layer's dtype.
    """
    from minigrad.nn.modules.conv import Conv2d
    from minigrad.nn.modules.linear import Linear
    from minigrad.nn.modules.normalization import _BatchNorm

    if not isinstance(bn, _BatchNorm):
        raise TypeError(f"fuse_batchnorm: expected a BatchNorm module, got {type(bn).__name__}")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError(
            "fuse_batchnorm: the BatchNorm has no running statistics (track_running_stats=False), so in eval mode "
            "it normalises with each batch's statistics and is not a fixed linear map"
        )
    if isinstance(layer, Linear):
        out = layer.out_features
        fused = Linear(layer.in_features, out, bias=True, dtype=layer.weight.dtype, device=layer.weight.device)
    elif isinstance(layer, Conv2d):
        out = layer.out_channels
        fused = Conv2d(
            layer.in_channels, out, layer.kernel_size, stride=layer.stride, padding=layer.padding,
            dilation=layer.dilation, bias=True, dtype=layer.weight.dtype, device=layer.weight.device,
        )  # fmt: skip
    else:
        raise TypeError(f"fuse_batchnorm: expected an nn.Linear or nn.Conv2d layer, got {type(layer).__name__}")
    if bn.num_features != out:
        raise ValueError(
            f"fuse_batchnorm: the layer has {out} output channels but the BatchNorm normalises {bn.num_features}"
        )

    with no_grad():  # the folding is done in float64, on the layer's device

        def f64(t, default=0.0):
            if t is None:
                return full((out,), default, dtype=dtypes.float64, device=layer.weight.device)
            return t.detach().double()

        s = f64(bn.weight, 1.0) / (f64(bn.running_var) + bn.eps).sqrt()
        w = f64(layer.weight) * s.reshape((out,) + (1,) * (layer.weight.ndim - 1))
        b = (f64(layer.bias) - f64(bn.running_mean)) * s + f64(bn.bias)
        fused.weight.copy_(w)
        fused.bias.copy_(b)
    return fused
