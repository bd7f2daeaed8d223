"""Adaptive average pooling and max unpooling (max and average pooling are in ``conv.py``)."""

from minigrad.nn.module import Module
from minigrad.ops.pooling import adaptive_avg_pool2d, max_unpool2d

__all__ = ["AdaptiveAvgPool2d", "MaxUnpool2d"]


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` whatever the input's size (windows as in PyTorch);
    ``AdaptiveAvgPool2d(1)`` is the global average pooling before a ResNet's classifier. See
    ``F.adaptive_avg_pool2d``."""

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):
        return adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class MaxUnpool2d(Module):
    """The inverse of ``MaxPool2d(..., return_indices=True)``: ``unpool(values, indices)`` puts each value back
    at the position of its maximum, zeros elsewhere. See ``F.max_unpool2d``."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size, self.stride, self.padding = kernel_size, stride or kernel_size, padding

    def forward(self, input, indices, output_size=None):
        return max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding, output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"
