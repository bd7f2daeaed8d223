"""``minigrad.nn.functional`` (``F``): every op of ``nn`` as a function, with PyTorch's signatures."""

from minigrad.ops.activation import *  # noqa: F403
from minigrad.ops.channel_dropout import dropout1d, dropout2d  # noqa: F401
from minigrad.ops.classification_loss import (  # noqa: F401
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    kl_div,
)
from minigrad.ops.conv import avg_pool2d, conv2d, max_pool2d  # noqa: F401
from minigrad.ops.dropout import dropout  # noqa: F401
from minigrad.ops.embedding import embedding  # noqa: F401
from minigrad.ops.indexing import one_hot  # noqa: F401
from minigrad.ops.linalg import linear  # noqa: F401
from minigrad.ops.loss import cross_entropy, log_softmax, mse_loss, nll_loss, softmax  # noqa: F401
from minigrad.ops.normalization import *  # noqa: F403
from minigrad.ops.pooling import adaptive_avg_pool2d, max_unpool2d  # noqa: F401
from minigrad.ops.regression_loss import huber_loss, l1_loss, smooth_l1_loss  # noqa: F401
from minigrad.ops.tiling import pad  # noqa: F401
