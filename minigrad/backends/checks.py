"""Argument checks for the kernel wrappers of every backend.

A compiled kernel indexes raw memory: handed a gradient shorter than its parameter it reads past
the end (garbage, or a segfault), handed an int array it fails deep inside Numba's type inference,
handed a read-only array it cannot write. So each public wrapper checks what it is given *before*
a kernel runs, and says which kernel, which argument, the shapes and what was expected:

    sgd_step(): grad has shape (3,) but param has shape (1000, 30); expected the same shape

Dtype problems raise TypeError; shapes, sizes, layout and values raise ValueError (IndexError for
a class index out of range, as PyTorch). The checks read only ``.shape``, ``.dtype`` and
``.flags``, so they serve NumPy and CuPy arrays alike; each costs about a microsecond.
"""

import numpy as np

FLOATS = (np.dtype(np.float32), np.dtype(np.float64))


def floating(kernel, what, a):
    """``a`` must be a float32 or float64 array."""
    if a.dtype not in FLOATS:
        raise TypeError(f"{kernel}(): {what} must be a float32 or float64 array, got dtype {a.dtype}")
    return a


def ndim(kernel, what, a, n, layout):
    """``a`` must have ``n`` dims (``layout`` names them, e.g. "(N, C)")."""
    if a.ndim != n:
        raise ValueError(f"{kernel}(): {what} must be a {n}-D array {layout}, got shape {tuple(a.shape)}")
    return a


def same_shape(kernel, what, a, ref_what, ref):
    """``a`` must have ``ref``'s shape (a gradient, an optimizer state: one value per element)."""
    if tuple(a.shape) != tuple(ref.shape):
        raise ValueError(
            f"{kernel}(): {what} has shape {tuple(a.shape)} but {ref_what} has shape {tuple(ref.shape)}; "
            "expected the same shape"
        )
    return a


def same_dtype(kernel, what, a, ref_what, ref):
    if a.dtype != ref.dtype:
        raise TypeError(f"{kernel}(): {what} is {a.dtype} but {ref_what} is {ref.dtype}; expected the same dtype")
    return a


def broadcastable(kernel, what, a, ref_what, shape):
    """``a`` must broadcast to ``shape`` (an upstream gradient may be a broadcast view)."""
    try:
        fits = np.broadcast_shapes(tuple(a.shape), tuple(shape)) == tuple(shape)
    except ValueError:
        fits = False
    if not fits:
        raise ValueError(
            f"{kernel}(): {what} of shape {tuple(a.shape)} does not match {ref_what} of shape {tuple(shape)}"
        )
    return a


def writable(kernel, what, a):
    """``a`` is written in place: it must be C-contiguous and writeable."""
    if not a.flags.c_contiguous:
        raise ValueError(
            f"{kernel}(): {what} (shape {tuple(a.shape)}) is written in place, so it must be C-contiguous; "
            "got a strided view (make it contiguous first)"
        )
    if not getattr(a.flags, "writeable", True):  # CuPy arrays have no read-only flag
        raise ValueError(
            f"{kernel}(): {what} (shape {tuple(a.shape)}) is read-only (a NumPy array marked read-only, or a "
            "broadcast view from expand()); it cannot be updated in place: give it its own memory with .clone()"
        )
    return a


def output(kernel, out, like):
    """``out=``: a writeable C-contiguous array of ``like``'s shape and dtype."""
    same_shape(kernel, "out", out, "the input", like)
    same_dtype(kernel, "out", out, "the input", like)
    return writable(kernel, "out", out)


def class_indices(kernel, target, rows, classes, ignore_index):
    """``target``: (rows,) integer class indices in [0, classes), or ``ignore_index``."""
    if target.dtype.kind not in "iu":
        raise TypeError(f"{kernel}(): target must hold integer class indices, got dtype {target.dtype}")
    if tuple(target.shape) != (rows,):
        raise ValueError(f"{kernel}(): target has shape {tuple(target.shape)}; expected ({rows},), one per row")
    bad = (target != ignore_index) & ((target < 0) | (target >= classes))
    if bool(bad.any()):
        value = int(target[bad].reshape(-1)[0])
        raise IndexError(
            f"{kernel}(): target {value} is out of bounds for {classes} classes "
            f"(expected 0 <= target < {classes}, or ignore_index={ignore_index})"
        )
    return target


def probability(kernel, what, value):
    """A number in [0, 1] (label smoothing)."""
    if not 0.0 <= value <= 1.0:
        raise ValueError(f"{kernel}(): {what} must be in [0, 1], got {value}")
    return value


def optimizer_arrays(kernel, param, grad, **state):
    """An in-place optimizer update: ``param`` a writeable C-contiguous float array; ``grad`` and each
    state buffer (None when unused) of the parameter's shape and dtype, the buffers writeable too,
    since the kernel indexes them all with the parameter's indices."""
    if not hasattr(param, "flags"):
        raise TypeError(f"{kernel}(): param must be an array (updated in place), got {type(param).__name__}")
    writable(kernel, "param", floating(kernel, "param", param))
    for what, a in (("grad", grad), *state.items()):
        if a is None:
            continue
        same_shape(kernel, what, a, "param", param)
        same_dtype(kernel, what, a, "param", param)
        if what != "grad":
            writable(kernel, what, a)
