"""``minigrad.nn``: modules (layers and models), ``Parameter``, ``functional``, ``init`` and ``utils``.

Layers PyTorch has and minigrad does not (recurrent layers, transposed convolutions, attention
blocks, DataParallel) exist as names that raise NotImplementedError with the alternative.
"""

from minigrad.nn import functional, init, parallel, utils  # noqa: F401
from minigrad.nn.module import Module, Parameter
from minigrad.nn.modules.activation import *  # noqa: F403
from minigrad.nn.modules.container import ModuleDict, ModuleList, ParameterDict, ParameterList, Sequential
from minigrad.nn.modules.conv import AvgPool2d, Conv2d, MaxPool2d
from minigrad.nn.modules.lazy import LazyBatchNorm1d, LazyBatchNorm2d, LazyConv2d, LazyLinear
from minigrad.nn.modules.linear import Flatten, Identity, Linear
from minigrad.nn.modules.loss import *  # noqa: F403
from minigrad.nn.modules.misc import Dropout, Dropout1d, Dropout2d
from minigrad.nn.modules.normalization import *  # noqa: F403
from minigrad.nn.modules.pooling import AdaptiveAvgPool2d, MaxUnpool2d
from minigrad.nn.modules.sparse import Embedding
from minigrad.nn.modules.unsupported import *  # noqa: F403
