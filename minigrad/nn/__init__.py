"""``minigrad.nn``: modules (layers and models), ``Parameter``, ``functional`` and ``init``."""

from minigrad.nn import functional, init, utils  # noqa: F401
from minigrad.nn.module import Module, Parameter
from minigrad.nn.modules.activation import *  # noqa: F403
from minigrad.nn.modules.container import ModuleList, Sequential
from minigrad.nn.modules.conv import AvgPool2d, Conv2d, MaxPool2d
from minigrad.nn.modules.linear import Flatten, Identity, Linear
from minigrad.nn.modules.misc import CrossEntropyLoss, Dropout, MSELoss, NLLLoss
from minigrad.nn.modules.normalization import *  # noqa: F403
