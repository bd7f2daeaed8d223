"""Lazy layers: ``LazyLinear(out_features)`` and friends learn their input size from the first batch.

Until the first forward their parameters are empty placeholders; that call gives them their shapes
(``in_features = input.shape[-1]``, ``in_channels = num_features = input.shape[1]``), initialises them
as the ordinary layer would, and turns the module into that layer (``LazyLinear`` becomes ``Linear``),
as PyTorch does. The placeholders stay the same Parameter objects, so an optimizer built before the
first call still updates them; but as in PyTorch, run one batch through the model before creating
an optimizer or loading a state_dict.
"""

from minigrad.nn.module import Module, Parameter
from minigrad.nn.modules.conv import Conv2d
from minigrad.nn.modules.linear import Linear
from minigrad.nn.modules.normalization import BatchNorm1d, BatchNorm2d
from minigrad.tensor import empty

__all__ = ["LazyLinear", "LazyConv2d", "LazyBatchNorm1d", "LazyBatchNorm2d"]


class _LazyModule(Module):
    cls_to_become = None  # the layer this one turns into
    _feature_dim = 1  # the input dim that gives the size

    def _placeholders(self, names, dtype, device):
        for name in names:
            setattr(self, name, Parameter(empty(0, dtype=dtype, device=device)))

    def has_uninitialized_params(self):
        """True until the first forward has given the parameters their shapes."""
        return True

    def _materialize(self, size):
        """Give every placeholder its shape for an input with ``size`` features or channels."""
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        if self.has_uninitialized_params():
            (input,) = args[:1]
            self._materialize(int(input.shape[self._feature_dim if input.ndim > 1 else -1]))
            self.__class__ = self.cls_to_become
            self.reset_parameters()  # the ordinary layer's initialisation, now that shapes are known
        return Module.__call__(self, *args, **kwargs)

    @staticmethod
    def _give_shape(param, shape):
        """Turn the empty placeholder into an array of ``shape`` (the same Parameter object)."""
        param.array = empty(*shape, dtype=param.dtype, device=param.device).array
        param._version.value += 1


class LazyLinear(_LazyModule):
    """``Linear`` whose in_features is the last dim of the first input; becomes a ``Linear``."""

    cls_to_become = Linear
    _feature_dim = -1

    def __init__(self, out_features, bias=True, device=None, dtype=None):
        super().__init__()
        self.in_features, self.out_features = 0, out_features
        self._placeholders(["weight"], dtype, device)
        self._placeholders(["bias"] if bias else [], dtype, device)
        if not bias:
            self.register_parameter("bias", None)

    def _materialize(self, size):
        self.in_features = size
        self._give_shape(self.weight, (self.out_features, size))
        if self.bias is not None:
            self._give_shape(self.bias, (self.out_features,))


class LazyConv2d(_LazyModule):
    """``Conv2d`` whose in_channels is dim 1 of the first input; becomes a ``Conv2d``."""

    cls_to_become = Conv2d

    def __init__(self, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True,
                 padding_mode="zeros", device=None, dtype=None):  # fmt: skip
        super().__init__()
        template = Conv2d(groups, out_channels, kernel_size, stride, padding, dilation, groups, bias, padding_mode)
        for name in ("out_channels", "kernel_size", "stride", "padding", "dilation", "groups", "padding_mode"):
            setattr(self, name, getattr(template, name))
        self.in_channels = 0
        self._placeholders(["weight"] + (["bias"] if bias else []), dtype, device)
        if not bias:
            self.register_parameter("bias", None)

    def _materialize(self, size):
        if size % self.groups:
            raise ValueError(f"LazyConv2d: {size} input channels are not divisible by groups={self.groups}")
        self.in_channels = size
        self._give_shape(self.weight, (self.out_channels, size // self.groups, *self.kernel_size))
        if self.bias is not None:
            self._give_shape(self.bias, (self.out_channels,))


class _LazyBatchNorm(_LazyModule):
    def __init__(self, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True, device=None, dtype=None):
        super().__init__()
        template = self.cls_to_become(1, eps, momentum, affine, track_running_stats, device, dtype)
        self.__dict__.update({k: v for k, v in template.__dict__.items() if not k.startswith("_")})
        self.num_features = 0
        for store in ("_parameters", "_buffers"):  # the template's tensors, emptied
            for name, t in getattr(template, store).items():
                if t is not None and name != "num_batches_tracked":
                    t.array = empty(0, dtype=t.dtype, device=t.device).array
                getattr(self, store)[name] = t

    def _materialize(self, size):
        self.num_features = size
        stats = [self._buffers.get("running_mean"), self._buffers.get("running_var")]
        for t in list(self._parameters.values()) + stats:
            if t is not None:
                self._give_shape(t, (size,))


class LazyBatchNorm1d(_LazyBatchNorm):
    """``BatchNorm1d`` whose num_features is dim 1 of the first input; becomes a ``BatchNorm1d``."""

    cls_to_become = BatchNorm1d


class LazyBatchNorm2d(_LazyBatchNorm):
    """``BatchNorm2d`` whose num_features is dim 1 of the first input; becomes a ``BatchNorm2d``."""

    cls_to_become = BatchNorm2d
