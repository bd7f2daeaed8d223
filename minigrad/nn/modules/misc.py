"""Dropout modules, and the loss modules of ``loss.py`` re-exported (thin wrappers of ``nn.functional``)."""

from minigrad.nn.module import Module
from minigrad.nn.modules.loss import CrossEntropyLoss, MSELoss, NLLLoss  # noqa: F401  (their old home)
from minigrad.ops.channel_dropout import dropout1d, dropout2d
from minigrad.ops.dropout import dropout

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "CrossEntropyLoss", "NLLLoss", "MSELoss"]


class _DropoutNd(Module):
    def __init__(self, p=0.5, inplace=False):
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p, self.inplace = p, inplace

    def extra_repr(self):
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero each element with probability p in training (scaling the rest by 1/(1-p)); identity in eval.
    See ``F.dropout``. ``inplace=True`` is accepted and computes out of place."""

    def forward(self, input):
        return dropout(input, self.p, self.training)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) inputs with probability p in training (scaling the rest by
    1/(1-p)); identity in eval. See ``F.dropout2d``."""

    def forward(self, input):
        return dropout2d(input, self.p, self.training)


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) inputs with probability p in training; see ``F.dropout1d``."""

    def forward(self, input):
        return dropout1d(input, self.p, self.training)
