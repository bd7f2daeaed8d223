"""``mg.device``: PyTorch's device objects, as strings.

PyTorch scripts build a device once and pass it everywhere::

    device = mg.device("cuda" if mg.cuda.is_available() else "cpu")
    model.to(device); x = x.to(device); mg.zeros(3, device=device)

minigrad names devices with strings ("cpu", "cuda"). A ``device`` *is* such a string (a ``str``
subclass whose value is "cpu", "cuda" or "cuda:1"), so it is accepted wherever a device string is,
compares equal to it, and still has PyTorch's ``.type`` and ``.index`` attributes. The one difference
from PyTorch: ``mg.device("cuda") == "cuda"`` is True (PyTorch says False).
"""

import numbers

__all__ = ["device"]

# The device types minigrad runs on, and PyTorch's other ones (named in the error, so a ported script
# that asks for one of them learns it exists in PyTorch but not here).
SUPPORTED = ("cpu", "cuda")
_PYTORCH_ONLY = ("mps", "xpu", "xla", "hip", "meta", "ipu", "hpu", "mtia", "vulkan", "privateuseone")


class device(str):  # noqa: N801 - PyTorch's name
    """A device: ``mg.device("cpu")``, ``mg.device("cuda")``, ``mg.device("cuda:0")``, ``mg.device("cuda", 0)``.

    ``.type`` is "cpu" or "cuda"; ``.index`` is the GPU's number, or None when not given.
    """

    def __new__(cls, type, index=None):  # noqa: A002 - PyTorch's argument name
        if isinstance(type, device) and index is None:
            return type
        if not isinstance(type, str):
            raise TypeError(f"device(): expected a string such as 'cpu' or 'cuda', got {type!r}")
        kind, _, number = type.partition(":")
        if kind not in SUPPORTED:
            why = (
                f"{kind!r} is one of PyTorch's devices that minigrad does not have"
                if kind in _PYTORCH_ONLY
                else f"unknown device type {kind!r}"
            )
            raise RuntimeError(f"device(): {why}; minigrad runs on {' and '.join(map(repr, SUPPORTED))}")
        if number:
            if index is not None:
                raise RuntimeError(f"device(): type {type!r} already names an index, and index={index} was given too")
            if not number.isdigit():
                raise RuntimeError(f"device(): invalid device string {type!r} (expected e.g. 'cuda:0')")
            index = int(number)
        if index is not None:
            if not isinstance(index, numbers.Integral) or isinstance(index, bool) or index < 0:
                raise RuntimeError(f"device(): the index must be a non-negative integer, got {index!r}")
            if kind == "cpu" and index != 0:
                raise RuntimeError(f"device(): the CPU has only index 0, got {index}")
            index = int(index)
        self = super().__new__(cls, kind if index is None else f"{kind}:{index}")
        self._type, self._index = kind, index
        return self

    @property
    def type(self):
        """ "cpu" or "cuda"."""
        return self._type

    @property
    def index(self):
        """The GPU's number (``mg.device("cuda:1").index == 1``), or None."""
        return self._index

    def __repr__(self):
        if self._index is None:
            return f"device(type='{self._type}')"
        return f"device(type='{self._type}', index={self._index})"

    def __reduce__(self):
        return (device, (self._type, self._index))
