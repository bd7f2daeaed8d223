"""PyTorch layers minigrad does not have. Each raises NotImplementedError when built, saying what to use
instead, so a ported script stops at the line that needs attention rather than later and obscurely.

minigrad is the library of a lecture on training feed-forward and convolutional networks; recurrent
layers, transposed convolutions, attention blocks and multi-device training are outside it.
"""

__all__ = [
    "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", "ConvTranspose1d", "ConvTranspose2d", "ConvTranspose3d",
    "MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerEncoderLayer", "TransformerDecoder",
    "TransformerDecoderLayer", "DataParallel",
]  # fmt: skip

_RECURRENT = (
    "recurrent layers are outside minigrad's scope; write the recurrence as a loop over time steps with "
    "nn.Linear and torch-style ops (h = tanh(x_t @ W_x + h @ W_h + b)), or use PyTorch for this model"
)
_TRANSPOSED = (
    "transposed convolutions are outside minigrad's scope; upsample with repeat/interpolation followed by "
    "nn.Conv2d, or use PyTorch for this model"
)
_ATTENTION = (
    "attention blocks are not built in; write scaled dot-product attention from mg.einsum / @, softmax and "
    "masked_fill (all in minigrad), or use PyTorch for this model"
)
_PARALLEL = (
    "minigrad trains on one device; use the model directly (mg.cuda.device_count() is at most what one process drives)"
)


def _unsupported(name, why):
    def __init__(self, *args, **kwargs):
        raise NotImplementedError(f"nn.{name}: {why}")

    return type(name, (), {"__init__": __init__, "__doc__": f"Not in minigrad: {why}."})


RNN = _unsupported("RNN", _RECURRENT)
LSTM = _unsupported("LSTM", _RECURRENT)
GRU = _unsupported("GRU", _RECURRENT)
RNNCell = _unsupported("RNNCell", _RECURRENT)
LSTMCell = _unsupported("LSTMCell", _RECURRENT)
GRUCell = _unsupported("GRUCell", _RECURRENT)
ConvTranspose1d = _unsupported("ConvTranspose1d", _TRANSPOSED)
ConvTranspose2d = _unsupported("ConvTranspose2d", _TRANSPOSED)
ConvTranspose3d = _unsupported("ConvTranspose3d", _TRANSPOSED)
MultiheadAttention = _unsupported("MultiheadAttention", _ATTENTION)
Transformer = _unsupported("Transformer", _ATTENTION)
TransformerEncoder = _unsupported("TransformerEncoder", _ATTENTION)
TransformerEncoderLayer = _unsupported("TransformerEncoderLayer", _ATTENTION)
TransformerDecoder = _unsupported("TransformerDecoder", _ATTENTION)
TransformerDecoderLayer = _unsupported("TransformerDecoderLayer", _ATTENTION)
DataParallel = _unsupported("DataParallel", _PARALLEL)
