"""The dtypes minigrad knows, and PyTorch's promotion rules between them.

minigrad uses NumPy's dtype objects directly, so ``mg.float32 == np.float32`` and a tensor's
``dtype`` can be handed to NumPy unchanged.
"""

import numbers

import numpy as np

float32 = np.dtype("float32")
float64 = np.dtype("float64")
int64 = np.dtype("int64")
bool_ = np.dtype("bool")
float = float32  # noqa: A001 - PyTorch's alias names
double = float64
long = int64

default_float = float32
SUPPORTED = (float32, float64, int64, bool_)

_ALIASES = {
    "float32": float32,
    "float": float32,
    "float64": float64,
    "double": float64,
    "int64": int64,
    "long": int64,
    "bool": bool_,
}


def as_dtype(dtype):
    """Turn ``dtype`` (a dtype, a NumPy type, or a name) into one of minigrad's dtypes."""
    if dtype is None:
        return None
    if isinstance(dtype, str) and dtype in _ALIASES:
        return _ALIASES[dtype]
    try:
        dt = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"unknown dtype {dtype!r}; minigrad supports float32, float64, int64, bool") from None
    if dt in SUPPORTED:
        return dt
    if dt.kind in "iu":
        return int64
    if dt.kind == "f":
        return float64 if dt.itemsize > 4 else float32
    raise TypeError(f"dtype {dt} is not supported; minigrad supports float32, float64, int64, bool")


finfo = np.finfo  # machine limits of a float dtype: finfo(float32).eps, .max, .tiny


def is_floating(dtype):
    return dtype.kind == "f"


def result_type(a, b):
    """PyTorch's promotion for two tensor dtypes: float beats int beats bool, wider float wins.

    (NumPy would turn int64 + float32 into float64; PyTorch keeps float32.)
    """
    if a == b:
        return a
    if a.kind == "f" and b.kind == "f":
        return float64 if float64 in (a, b) else float32
    if a.kind == "f":
        return a
    if b.kind == "f":
        return b
    return int64


def scalar_result_type(dtype, value):
    """Dtype of ``tensor <op> python_scalar``: the scalar never widens a tensor of its own kind."""
    if isinstance(value, (bool, np.bool_)):
        return dtype
    if isinstance(value, (int, np.integer)):
        return int64 if dtype == bool_ else dtype
    if dtype.kind == "f":
        return dtype
    return default_float


def is_number(value):
    """A Python or NumPy scalar (bool, int, float): something a tensor can be combined with."""
    return isinstance(value, (numbers.Number, np.bool_)) and not isinstance(value, np.ndarray)


def is_integer(value):
    """A Python or NumPy integer, bools excluded (an index, a dimension, a size)."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def name(dtype):
    return "minigrad." + ("bool" if dtype == bool_ else str(dtype))


def to_array(data, dtype, op="tensor"):
    """``np.array(data, dtype=dtype)``, refusing integers that ``dtype`` cannot hold: NumPy turns a
    uint64 of 2**64 - 1 into int64 -1 without a word (PyTorch keeps it as torch.uint64, which
    minigrad does not have)."""
    if dtype.kind == "i" and isinstance(data, (np.ndarray, np.generic)) and data.dtype.kind == "u" and data.size:
        biggest = int(np.max(data))
        if biggest > np.iinfo(dtype).max:
            raise OverflowError(
                f"{op}(): the {data.dtype} value {biggest} does not fit in {name(dtype)} (at most "
                f"{np.iinfo(dtype).max}); minigrad has no unsigned 64-bit dtype"
            )
    try:
        return np.array(data, dtype=dtype)
    except OverflowError:
        text = repr(data)
        text = text if len(text) <= 60 else text[:57] + "..."
        raise OverflowError(f"{op}(): a value of {text} does not fit in {name(dtype)}") from None
