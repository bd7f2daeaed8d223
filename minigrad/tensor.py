"""The Tensor: an n-dimensional array that remembers how it was computed.

A Tensor holds

- ``array``: the values, a backend array (an ``np.ndarray`` for ``device="cpu"``);
- ``requires_grad``: whether gradients should flow to it;
- ``grad``: after ``backward()``, dL/d(this tensor), for leaves;
- ``grad_fn``: the graph node of the op that produced it (``None`` for leaves).

Every method below is a thin wrapper: the maths of each op, forward and backward, lives in
``minigrad/ops/``. The creation functions (``mg.tensor``, ``mg.zeros``, ``mg.randn``...) are at the
end of this file.
"""

import math
import numbers
import weakref

import numpy as np

from minigrad import dtypes
from minigrad._numpy_names import numpy_names
from minigrad.autograd import _seed, is_grad_enabled, no_grad, run_backward
from minigrad.backends import backend_for
from minigrad.random import rng


class _Version:
    """An in-place modification counter, shared by a tensor and its views.

    ``shared`` becomes True once a second tensor uses the counter (a view, ``detach()``): then
    other tensors see this memory, which decides how an in-place op inside a graph may proceed.
    """

    __slots__ = ("value", "shared")

    def __init__(self):
        self.value = 0
        self.shared = False


def _canonical_device(device):
    """The device kind, "cpu" or "cuda", of "cpu", "cuda", "cuda:0" or a device object; else an error."""
    if device is None:
        return "cpu"
    name = str(device)
    kind = name.split(":")[0]
    if kind not in ("cpu", "cuda"):
        raise RuntimeError(f"unknown device {name!r}: minigrad runs on 'cpu' and 'cuda' (e.g. 'cuda:0')")
    return kind


class Tensor:
    __array_priority__ = 1000  # so ndarray <op> Tensor calls Tensor's reflected operator

    def __init__(self, data, dtype=None, device="cpu", requires_grad=False):
        t = tensor(data, dtype=dtype, device=device, requires_grad=requires_grad)
        self.__dict__.update(t.__dict__)

    @classmethod
    def _wrap(cls, array, device="cpu"):
        """A tensor around ``array`` (no copy) with no history."""
        t = cls.__new__(cls)
        if isinstance(array, np.generic) or not hasattr(array, "shape"):
            array = np.asarray(array)  # NumPy reductions of 0-d arrays give scalars: keep an array
        if isinstance(array, np.ndarray) and array.dtype not in dtypes.SUPPORTED:
            array = array.astype(dtypes.as_dtype(array.dtype))
        t.array = array
        t.device = device
        t.requires_grad = False
        t._grad = None
        t.grad_fn = None
        t._output_index = 0
        t._hooks = None
        t._accumulator = None  # weak reference to the leaf's AccumulateGrad node while a graph uses it
        t._version = _Version()
        return t

    def _share_version(self, other):
        """Make this tensor a view of ``other``'s memory: one in-place counter for both."""
        self._version = other._version
        other._version.shared = True
        return self

    def _backend(self):
        return backend_for(self.device)

    # ---- basic attributes ---------------------------------------------------------------
    @property
    def shape(self):
        return tuple(self.array.shape)

    @property
    def dtype(self):
        return self.array.dtype

    @property
    def ndim(self):
        return self.array.ndim

    @property
    def is_leaf(self):
        return self.grad_fn is None

    @property
    def data(self):
        """A tensor sharing this one's values, outside the graph (PyTorch's ``.data``).

        Changes made through it are not tracked by autograd (``p.data += -lr * p.grad`` updates
        ``p`` with no graph and no version check); ``p.data = t`` replaces ``p``'s values by ``t``'s."""
        return Tensor._wrap(self.array, self.device)

    @data.setter
    def data(self, value):
        if not isinstance(value, Tensor):
            raise TypeError(f"data must be set to a Tensor, got {type(value).__name__}")
        if value.device != self.device:
            raise RuntimeError(f"data: cannot set data on {value.device} for a tensor on {self.device}")
        self.array = value.array

    @property
    def grad(self):
        """dL/d(this tensor) after ``backward()`` (leaves, and non-leaves that called ``retain_grad``)."""
        return self._grad

    @grad.setter
    def grad(self, value):
        if value is not None:
            if not isinstance(value, Tensor):
                raise TypeError(f"assigned grad expected to be a Tensor or None but got {type(value).__name__}")
            if value.shape != self.shape:
                raise RuntimeError(
                    f"attempting to assign a gradient of size '{list(value.shape)}' to a tensor of size "
                    f"'{list(self.shape)}'. Please ensure that the gradient and the tensor are the same size"
                )
            if value.dtype != self.dtype:
                raise RuntimeError(
                    f"assigned grad has data of a different type: {dtypes.name(value.dtype)} for a tensor of "
                    f"type {dtypes.name(self.dtype)}"
                )
            if value.device != self.device:
                raise RuntimeError(f"assigned grad has data located on {value.device}, the tensor is on {self.device}")
        self._grad = value

    @property
    def T(self):
        return self.permute(*reversed(range(self.ndim)))

    @property
    def mT(self):
        return self.transpose(-2, -1)

    def dim(self):
        return self.ndim

    def size(self, dim=None):
        return self.shape if dim is None else self.shape[dim]

    def numel(self):
        return math.prod(self.shape)

    def __len__(self):
        if self.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.shape[0]

    def is_floating_point(self):
        return self.dtype.kind == "f"

    # ---- leaving minigrad ----------------------------------------------------------------
    def numpy(self):
        """The values as a NumPy array (sharing memory, like PyTorch); only for CPU tensors without grad."""
        if self.requires_grad:
            raise RuntimeError(
                "Can't call numpy() on a tensor that requires grad. Use tensor.detach().numpy() instead."
            )
        if self.device != "cpu":  # PyTorch's words: a GPU array is never copied to the host silently
            raise TypeError(
                f"can't convert {self.device}:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor "
                "to host memory first."
            )
        return self._host_array()

    def _host_array(self):
        return self._backend().to_numpy(self.array)

    def item(self):
        if self.numel() != 1:
            raise RuntimeError(f"a tensor with {self.numel()} elements cannot be converted to a Python scalar")
        return self._host_array().reshape(()).item()

    def tolist(self):
        return self._host_array().tolist()

    def __array__(self, dtype=None, copy=None):
        a = self.numpy() if self.device != "cpu" else self._host_array()  # np.asarray(cuda tensor): numpy()'s error
        return a if dtype is None else a.astype(dtype)

    def __float__(self):
        return float(self.item())

    def __int__(self):
        return int(self.item())

    def __index__(self):
        if self.dtype.kind not in "iub" or self.numel() != 1:
            raise TypeError("only integer tensors of a single element can be converted to an index")
        return int(self.item())

    def __bool__(self):
        if self.numel() != 1:
            raise RuntimeError(
                f"Boolean value of a tensor with {self.numel()} values is ambiguous; use .any() or .all()"
            )
        return bool(self.item())

    __hash__ = object.__hash__

    # ---- autograd -----------------------------------------------------------------------
    def backward(self, gradient=None, retain_graph=False):
        """Compute d(self)/d(leaf) for every leaf that requires grad, accumulating into ``leaf.grad``.

        ``gradient`` is dL/d(self); it may be left out only when ``self`` has one element.
        """
        run_backward([self], [_seed(self, gradient)], retain_graph=retain_graph)

    def detach(self):
        return Tensor._wrap(self.array, self.device)._share_version(self)  # same memory, same counter

    def detach_(self):
        self.grad_fn = None
        self.requires_grad = False
        return self

    def requires_grad_(self, requires_grad=True):
        if not self.is_leaf:
            raise RuntimeError("you can only change requires_grad of leaf tensors; use .detach() first")
        if requires_grad and self.dtype.kind != "f":
            raise RuntimeError(f"only floating point tensors can require gradients, got {dtypes.name(self.dtype)}")
        self.requires_grad = requires_grad
        return self

    def register_hook(self, hook):
        """Call ``hook(grad)`` when this tensor's gradient is computed; a returned tensor replaces it."""
        if not self.requires_grad:
            raise RuntimeError("cannot register a hook on a tensor that doesn't require gradient")
        if self.grad_fn is None:
            if self._hooks is None:
                self._hooks = []
            hooks = self._hooks
            hooks.append(hook)
        else:
            node = self.grad_fn
            if node.hooks is None:
                node.hooks = {}
            hooks = node.hooks.setdefault(self._output_index, [])
            hooks.append(hook)
        return _RemovableHandle(hooks, hook)

    def retain_grad(self):
        """Keep ``.grad`` for this non-leaf tensor too (PyTorch's ``retain_grad``)."""
        if self.grad_fn is None:
            return

        me = weakref.ref(self)  # the graph must not keep this tensor (and its array) alive

        def keep(grad):
            t = me()
            if t is None:
                return
            if t._grad is None:
                t._grad = Tensor._wrap(grad.array.copy(), t.device)
            else:
                t._grad.array += grad.array

        self.register_hook(keep)

    # ---- in-place updates (they bump the version counter) ----------------------------------
    # ``a += b`` and ``a.add_(b)`` follow PyTorch's rules. Outside a graph (``no_grad``, or nothing
    # requires grad) they write into a's memory, so every alias of it (``b = a``, views, ``.data``)
    # sees the change. Inside a graph:
    # - a leaf that requires grad may not be changed (the update belongs under ``mg.no_grad()``);
    # - any other tensor takes the result *and its graph node*: ``h += x`` in a forward pass is
    #   differentiable. minigrad computes the result in new memory and rebinds ``a`` to it (ops
    #   that saved a's old values keep them, where PyTorch would raise), so it refuses when another
    #   tensor sees a's memory (a view of it, or what it views): PyTorch would rewrite their history
    #   too; minigrad does not.

    def _check_leaf_inplace(self, op):
        if is_grad_enabled() and self.requires_grad and self.is_leaf:
            raise RuntimeError(
                f"{op}: a leaf Variable that requires grad is being used in an in-place operation; "
                "wrap the update in `with minigrad.no_grad():` (or change p.data)"
            )

    def _inplace(self, fn, other, op):
        """``self = fn(self, other)`` in place: ``fn`` is the out-of-place op (add, mul, ...)."""
        self._check_leaf_inplace(op)
        other_grad = isinstance(other, Tensor) and other.requires_grad
        if is_grad_enabled() and (self.requires_grad or other_grad):
            if self._version.shared:
                raise RuntimeError(
                    f"{op}: in-place operation on a tensor whose memory another tensor shares (a view, or "
                    "the tensor it views) inside a graph; minigrad does not rewrite the other's history. "
                    "Use the out-of-place form (y = y + x)."
                )
            out = fn(self, other)
            self._check_inplace_shape(out, op)
            if out.dtype != self.dtype:
                out = out.to(self.dtype)
            self.array, self.grad_fn, self._output_index = out.array, out.grad_fn, out._output_index
            self.requires_grad = out.requires_grad
            self._version = out._version  # new memory: graphs that saved the old values keep them intact
            return self
        with no_grad():
            out = fn(self, other)
        self._check_inplace_shape(out, op)
        return self._set_(out, op)

    def _check_inplace_shape(self, out, op):
        if out.shape != self.shape:
            raise RuntimeError(f"{op}: output with shape {self.shape} doesn't match the broadcast shape {out.shape}")
        if out.dtype.kind == "f" and self.dtype.kind != "f":
            raise RuntimeError(
                f"{op}: result type {dtypes.name(out.dtype)} can't be cast to the desired output type "
                f"{dtypes.name(self.dtype)}"
            )

    def __iadd__(self, other):
        return self._inplace(ops.elementwise.add, other, "add_")

    def __isub__(self, other):
        return self._inplace(ops.elementwise.sub, other, "sub_")

    def __imul__(self, other):
        return self._inplace(ops.elementwise.mul, other, "mul_")

    def __itruediv__(self, other):
        return self._inplace(ops.elementwise.div, other, "div_")

    def __ipow__(self, other):
        return self._inplace(ops.elementwise.pow, other, "pow_")

    def add_(self, other, alpha=1):
        return self._inplace(ops.elementwise.add, other if alpha == 1 else other * alpha, "add_")

    def sub_(self, other, alpha=1):
        return self._inplace(ops.elementwise.sub, other if alpha == 1 else other * alpha, "sub_")

    def mul_(self, other):
        return self._inplace(ops.elementwise.mul, other, "mul_")

    def div_(self, other):
        return self._inplace(ops.elementwise.div, other, "div_")

    def clamp_(self, min=None, max=None):  # noqa: A002 - PyTorch's argument names
        return self._inplace(lambda t, _: ops.elementwise.clamp(t, min, max), None, "clamp_")

    def _set_(self, values, op):
        """Write ``values`` (a Tensor, array or number, broadcast to this shape) into this tensor's memory."""
        self._check_leaf_inplace(op)
        if is_grad_enabled() and self.requires_grad:
            raise RuntimeError(
                f"{op}: in-place overwrite of a tensor that is part of a graph is not differentiable in minigrad; "
                "use the out-of-place version"
            )
        if isinstance(values, Tensor):
            values = _array_on(values, self.device)
        try:
            self.array[...] = values
        except ValueError as e:
            if not getattr(self.array.flags, "writeable", True):
                raise RuntimeError(f"{op}: this tensor's memory is read-only (e.g. a read-only NumPy array)") from e
            raise
        self._version.value += 1
        return self

    def copy_(self, src):
        return self._set_(src if isinstance(src, Tensor) else self._backend().asarray(src), "copy_")

    def fill_(self, value):
        return self._set_(float(value) if self.dtype.kind == "f" else value, "fill_")

    def zero_(self):
        return self.fill_(0)

    def uniform_(self, a=0.0, b=1.0, generator=None):
        u = self._backend().rand(rng(generator), self.shape, dtypes.float64)
        return self._set_(a + (b - a) * u, "uniform_")

    def normal_(self, mean=0.0, std=1.0, generator=None):
        return self._set_(mean + std * self._backend().randn(rng(generator), self.shape, dtypes.float64), "normal_")

    def __setitem__(self, index, value):
        self._check_leaf_inplace("__setitem__")
        if is_grad_enabled() and self.requires_grad:
            raise RuntimeError(
                "__setitem__: assigning into a tensor that is part of a graph is not differentiable in minigrad; "
                "build the result with mg.where(...) or mg.cat(...) instead"
            )
        if isinstance(value, Tensor):
            value = _array_on(value, self.device)
        elif hasattr(value, "shape") or isinstance(value, (list, tuple)):
            value = self._backend().asarray(value)  # host values go to the tensor's device (CuPy takes no NumPy)
        self.array[_index_arrays(index)] = value
        self._version.value += 1

    # ---- conversions ----------------------------------------------------------------------
    def to(self, *args, dtype=None, device=None, non_blocking=False, copy=False):
        """``t.to("cuda")``, ``t.to(mg.float64)``, ``t.to(other_tensor)``: a copy only when something
        changes, or always with ``copy=True``. ``non_blocking`` is accepted for PyTorch's signature
        (``x.to(device, non_blocking=True)`` is common in training loops); copies here are synchronous."""
        for a in args:
            if isinstance(a, Tensor):
                dtype, device = a.dtype, a.device
            elif _is_device(a):
                device = a
            else:
                dtype = a
        out = self
        if dtype is not None and dtypes.as_dtype(dtype) != self.dtype:
            out = ops.elementwise.cast(out, dtypes.as_dtype(dtype))
        if device is not None and _canonical_device(device) != out.device:
            out = ops.elementwise.to_device(out, _canonical_device(device))
        if copy and out is self:
            out = self.clone()
        return out

    def cpu(self):
        """This tensor on the CPU (itself if it is there already)."""
        return self.to("cpu")

    def cuda(self, device=None, non_blocking=False):
        """This tensor on the GPU (``device``: "cuda", "cuda:0" or 0; minigrad uses one GPU)."""
        return self.to("cuda" if device is None or isinstance(device, int) else device)

    def float(self):
        return self.to(dtypes.float32)

    def double(self):
        return self.to(dtypes.float64)

    def long(self):
        return self.to(dtypes.int64)

    def bool(self):
        return self.to(dtypes.bool_)

    def type(self, dtype):
        return self.to(dtype)

    def clone(self):
        return ops.elementwise.clone(self)

    # ---- printing ------------------------------------------------------------------------
    def __repr__(self):
        a = self._host_array()
        kw = {"separator": ", ", "prefix": "tensor(", "threshold": 1000, "edgeitems": 3}
        if a.dtype.kind == "f" and a.size and np.isfinite(a).all() and not (a == np.round(a)).all():
            kw.update(precision=4, floatmode="fixed")
        body = np.array2string(a, **kw) if a.ndim else np.array2string(a, **kw).strip("[]")
        extras = []
        if a.size == 0:
            extras.append(f"size={self.shape}")
        if self.device != "cpu":
            extras.append(f"device='{self.device}:0'")  # PyTorch's: the GPU's index too
        if a.dtype not in (dtypes.float32, dtypes.int64, dtypes.bool_) or (a.size == 0 and a.dtype != dtypes.float32):
            extras.append(f"dtype={dtypes.name(a.dtype)}")
        if self.grad_fn is not None:
            extras.append(f"grad_fn={self.grad_fn}")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + body + "".join(", " + e for e in extras) + ")"

    # ---- arithmetic -----------------------------------------------------------------------
    def __add__(self, other):
        return ops.elementwise.add(self, other)

    def __radd__(self, other):
        return ops.elementwise.add(other, self)

    def __sub__(self, other):
        return ops.elementwise.sub(self, other)

    def __rsub__(self, other):
        return ops.elementwise.sub(other, self)

    def __mul__(self, other):
        return ops.elementwise.mul(self, other)

    def __rmul__(self, other):
        return ops.elementwise.mul(other, self)

    def __truediv__(self, other):
        return ops.elementwise.div(self, other)

    def __rtruediv__(self, other):
        return ops.elementwise.div(other, self)

    def __pow__(self, other):
        return ops.elementwise.pow(self, other)

    def __rpow__(self, other):
        return ops.elementwise.pow(other, self)

    def __neg__(self):
        return ops.elementwise.neg(self)

    def __pos__(self):
        return self

    def __abs__(self):
        return ops.elementwise.abs(self)

    def __matmul__(self, other):
        return ops.linalg.matmul(self, other)

    def __rmatmul__(self, other):
        return ops.linalg.matmul(other, self)

    # comparisons give bool tensors, outside the graph
    def __lt__(self, other):
        return ops.elementwise.compare(self, other, "lt")

    def __le__(self, other):
        return ops.elementwise.compare(self, other, "le")

    def __gt__(self, other):
        return ops.elementwise.compare(self, other, "gt")

    def __ge__(self, other):
        return ops.elementwise.compare(self, other, "ge")

    def __eq__(self, other):
        return ops.elementwise.compare(self, other, "eq")

    def __ne__(self, other):
        return ops.elementwise.compare(self, other, "ne")

    def __invert__(self):
        return ops.elementwise.logical_not(self)

    def __and__(self, other):
        return ops.elementwise.compare(self, other, "and")

    def __or__(self, other):
        return ops.elementwise.compare(self, other, "or")

    def add(self, other):
        return self + other

    def sub(self, other):
        return self - other

    def mul(self, other):
        return self * other

    def div(self, other):
        return self / other

    def pow(self, exponent):
        return self**exponent

    def neg(self):
        return -self

    def matmul(self, other):
        return self @ other

    def exp(self):
        return ops.elementwise.exp(self)

    def log(self):
        return ops.elementwise.log(self)

    def sqrt(self):
        return ops.elementwise.sqrt(self)

    def abs(self):
        return ops.elementwise.abs(self)

    def clamp(self, min=None, max=None):
        return ops.elementwise.clamp(self, min, max)

    clip = clamp

    def maximum(self, other):
        return ops.elementwise.maximum(self, other)

    def minimum(self, other):
        return ops.elementwise.minimum(self, other)

    def relu(self):
        return ops.activation.relu(self)

    def sigmoid(self):
        return ops.activation.sigmoid(self)

    def tanh(self):
        return ops.activation.tanh(self)

    def softmax(self, dim):
        return ops.loss.softmax(self, dim)

    def log_softmax(self, dim):
        return ops.loss.log_softmax(self, dim)

    # ---- reductions ------------------------------------------------------------------------
    def sum(self, dim=None, keepdim=False):
        return ops.reduce.sum(self, dim, keepdim)

    def mean(self, dim=None, keepdim=False):
        return ops.reduce.mean(self, dim, keepdim)

    def var(self, dim=None, keepdim=False, *, correction=1, unbiased=None):
        return ops.reduce.var(self, dim, keepdim, correction=correction, unbiased=unbiased)

    def std(self, dim=None, keepdim=False, *, correction=1, unbiased=None):
        return ops.reduce.std(self, dim, keepdim, correction=correction, unbiased=unbiased)

    def max(self, dim=None, keepdim=False):
        return ops.reduce.max(self, dim, keepdim)

    def min(self, dim=None, keepdim=False):
        return ops.reduce.min(self, dim, keepdim)

    def amax(self, dim=None, keepdim=False):
        return ops.reduce.amax(self, dim, keepdim)

    def amin(self, dim=None, keepdim=False):
        return ops.reduce.amin(self, dim, keepdim)

    def argmax(self, dim=None, keepdim=False):
        return ops.reduce.argmax(self, dim, keepdim)

    def argmin(self, dim=None, keepdim=False):
        return ops.reduce.argmin(self, dim, keepdim)

    def any(self):
        return Tensor._wrap(self._backend().xp.asarray(self.array.any()), self.device)

    def all(self):
        return Tensor._wrap(self._backend().xp.asarray(self.array.all()), self.device)

    # ---- shapes ------------------------------------------------------------------------------
    def reshape(self, *shape):
        return ops.shape.reshape(self, _shape_args(shape))

    def view(self, *shape):
        return ops.shape.view(self, _shape_args(shape))

    def view_as(self, other):
        return self.view(other.shape)

    def reshape_as(self, other):
        return self.reshape(other.shape)

    def flatten(self, start_dim=0, end_dim=-1):
        return ops.shape.flatten(self, start_dim, end_dim)

    def transpose(self, dim0, dim1):
        return ops.shape.transpose(self, dim0, dim1)

    def t(self):
        if self.ndim > 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but it has {self.ndim}")
        return self.T

    def permute(self, *dims):
        return ops.shape.permute(self, _shape_args(dims))

    def unsqueeze(self, dim):
        return ops.shape.unsqueeze(self, dim)

    def squeeze(self, dim=None):
        return ops.shape.squeeze(self, dim)

    def expand(self, *shape):
        return ops.shape.expand(self, _shape_args(shape))

    def expand_as(self, other):
        return self.expand(other.shape)

    def contiguous(self):
        return ops.shape.contiguous(self)

    def is_contiguous(self):
        return bool(self.array.flags.c_contiguous)

    def __getitem__(self, index):
        return ops.shape.getitem(self, index)

    # ==== PyTorch API, continued (issue 13): each method calls its op in minigrad/ops/ =================
    # ---- comparisons and checks (bool tensors, no gradient) ----
    eq, ne, lt, le, gt, ge = __eq__, __ne__, __lt__, __le__, __gt__, __ge__  # x.eq(y) is x == y, ...

    def isclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """|self - other| <= atol + rtol |other|, elementwise: a bool tensor."""
        return ops.comparison.isclose(self, other, rtol, atol, equal_nan)

    def allclose(self, other, rtol=1e-05, atol=1e-08, equal_nan=False):
        """True when ``isclose`` holds everywhere."""
        return ops.comparison.allclose(self, other, rtol, atol, equal_nan)

    def equal(self, other):
        """True when ``other`` has the same shape and values."""
        return ops.comparison.equal(self, other)

    def isnan(self):
        """True where the value is NaN."""
        return ops.comparison.isnan(self)

    def isinf(self):
        """True where the value is +inf or -inf."""
        return ops.comparison.isinf(self)

    def isfinite(self):
        """True where the value is neither inf nor NaN."""
        return ops.comparison.isfinite(self)

    # ---- maths ----
    def mm(self, mat2):
        """Matrix product of two 2-d tensors (``mg.mm``)."""
        return ops.linalg.mm(self, mat2)

    def bmm(self, mat2):
        """Batched matrix product of two 3-d tensors (b, n, m) @ (b, m, p) (``mg.bmm``)."""
        return ops.linalg.bmm(self, mat2)

    def log10(self):
        """Base-10 logarithm, elementwise (``mg.log10``)."""
        return ops.unary.log10(self)

    def log2(self):
        """Base-2 logarithm, elementwise (``mg.log2``)."""
        return ops.unary.log2(self)

    def sin(self):
        """Sine, elementwise (``mg.sin``)."""
        return ops.unary.sin(self)

    def cos(self):
        """Cosine, elementwise (``mg.cos``)."""
        return ops.unary.cos(self)

    def sinh(self):
        """Hyperbolic sine, elementwise (``mg.sinh``)."""
        return ops.unary.sinh(self)

    def cosh(self):
        """Hyperbolic cosine, elementwise (``mg.cosh``)."""
        return ops.unary.cosh(self)

    def cumsum(self, dim, dtype=None):
        """Cumulative sum along ``dim`` (``mg.cumsum``)."""
        return ops.cumulative.cumsum(self, dim, dtype)

    # ---- sorting ----
    def sort(self, dim=-1, descending=False, stable=False):
        """``(values, indices)`` sorted along ``dim`` (``mg.sort``)."""
        return ops.sorting.sort(self, dim, descending, stable)

    def argsort(self, dim=-1, descending=False, stable=False):
        """The indices that sort along ``dim`` (``mg.argsort``)."""
        return ops.sorting.argsort(self, dim, descending, stable)

    def topk(self, k, dim=-1, largest=True, sorted=True):
        """The ``k`` largest (or smallest) values along ``dim`` and their indices (``mg.topk``)."""
        return ops.sorting.topk(self, k, dim, largest, sorted)

    # ---- pieces and copies ----
    def split(self, split_size, dim=0):
        """Views of pieces of ``split_size`` elements (or of the listed sizes) along ``dim`` (``mg.split``)."""
        return ops.tiling.split(self, split_size, dim)

    def chunk(self, chunks, dim=0):
        """``chunks`` views of nearly equal size along ``dim`` (``mg.chunk``)."""
        return ops.tiling.chunk(self, chunks, dim)

    def unbind(self, dim=0):
        """The slices along ``dim``, that dim removed (``mg.unbind``)."""
        return ops.tiling.unbind(self, dim)

    def repeat(self, *sizes):
        """The tensor tiled ``sizes[d]`` times along each dim (like ``np.tile``)."""
        return ops.tiling.repeat(self, *sizes)

    def tile(self, dims):
        """Like ``repeat``, with missing leading sizes taken as 1 (``mg.tile``)."""
        return ops.tiling.tile(self, dims)

    # ---- indexing with index tensors ----
    def gather(self, dim, index):
        """``out[i][j] = self[i][index[i][j]]`` for dim = 1 (``mg.gather``)."""
        return ops.indexing.gather(self, dim, index)

    def scatter(self, dim, index, src=None, value=None, reduce=None):
        """A copy with src written at ``index`` along ``dim`` (``mg.scatter``)."""
        return ops.indexing.scatter(self, dim, index, src, value=value, reduce=reduce)

    def scatter_add(self, dim, index, src):
        """A copy with src added at ``index`` along ``dim`` (``mg.scatter_add``)."""
        return ops.indexing.scatter_add(self, dim, index, src)

    def scatter_(self, dim, index, src=None, value=None, reduce=None):
        """In-place ``scatter`` (no gradient through it, like every in-place update in minigrad)."""
        return self._set_(ops.indexing.scatter(self.detach(), dim, index, src, value=value, reduce=reduce), "scatter_")

    def scatter_add_(self, dim, index, src):
        """In-place ``scatter_add``."""
        return self._set_(ops.indexing.scatter_add(self.detach(), dim, index, src), "scatter_add_")

    def index_select(self, dim, index):
        """The slices along ``dim`` at the positions in the 1-d int64 ``index`` (``mg.index_select``)."""
        return ops.indexing.index_select(self, dim, index)

    def masked_fill(self, mask, value):
        """A copy with ``value`` where the bool ``mask`` is True (``mg.masked_fill``)."""
        return ops.indexing.masked_fill(self, mask, value)

    def masked_fill_(self, mask, value):
        """In-place ``masked_fill`` (the mask must broadcast to this tensor's shape)."""
        if np.broadcast_shapes(self.shape, mask.shape) != self.shape:
            raise RuntimeError(f"masked_fill_(): a mask of shape {mask.shape} does not fit a tensor of {self.shape}")
        return self._set_(ops.indexing.masked_fill(self.detach(), mask, value), "masked_fill_")

    # ---- sampling and counting ----
    def multinomial(self, num_samples, replacement=False, generator=None):
        """Category indices drawn with these (row-wise) weights (``mg.multinomial``)."""
        return ops.sampling.multinomial(self, num_samples, replacement, generator)

    def histc(self, bins=100, min=0, max=0):
        """Counts of the values in ``bins`` equal bins over [min, max] (``mg.histc``)."""
        return ops.histogram.histc(self, bins, min, max)

    # ---- new tensors like this one (same dtype and device unless given) ----
    def new_tensor(self, data, dtype=None, device=None, requires_grad=False):
        """``mg.tensor(data)`` with this tensor's dtype and device by default."""
        return tensor(data, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_zeros(self, *size, dtype=None, device=None, requires_grad=False):
        """Zeros of ``size`` with this tensor's dtype and device by default."""
        return zeros(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_ones(self, *size, dtype=None, device=None, requires_grad=False):
        """Ones of ``size`` with this tensor's dtype and device by default."""
        return ones(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    def new_full(self, size, fill_value, dtype=None, device=None, requires_grad=False):
        """``fill_value`` everywhere, with this tensor's dtype and device by default."""
        dtype, device = dtype or self.dtype, device or self.device
        return full(size, fill_value, dtype=dtype, device=device, requires_grad=requires_grad)

    def new_empty(self, *size, dtype=None, device=None, requires_grad=False):
        """An uninitialised tensor of ``size`` with this tensor's dtype and device by default."""
        return empty(*size, dtype=dtype or self.dtype, device=device or self.device, requires_grad=requires_grad)

    # ---- sizes, dtypes, formatting, interop ----
    def nelement(self):
        """The number of elements (``numel()``)."""
        return self.numel()

    def int(self):
        """Convert to int64, minigrad's integer dtype (PyTorch's ``int()`` gives int32, which minigrad lacks)."""
        return self.to(dtypes.int64)

    def type_as(self, other):
        """Convert to ``other``'s dtype."""
        return self.to(other.dtype)

    def __format__(self, format_spec):
        """``f"{loss:.3f}"``: a 0-d tensor formats like its Python number (as in PyTorch)."""
        if self.ndim == 0:
            return self.item().__format__(format_spec)
        if format_spec:
            raise TypeError(
                f"unsupported format string {format_spec!r} for a tensor of shape {self.shape}: use .item()"
            )
        return str(self)

    def __dlpack__(self, *, stream=None, max_version=None, dl_device=None, copy=None):
        """DLPack export: ``torch.as_tensor(t)`` and ``torch.from_dlpack(t)`` see this tensor's values
        (sharing memory where the array library allows it). Works on tensors that require grad too."""
        kwargs = dict(stream=stream, max_version=max_version, dl_device=dl_device, copy=copy)
        kwargs = {k: v for k, v in kwargs.items() if v is not None}
        try:
            return self.array.__dlpack__(**kwargs)
        except BufferError:  # a read-only NumPy array (older DLPack has no read-only flag): export a copy
            return self.array.copy().__dlpack__(**kwargs)

    def __dlpack_device__(self):
        """The DLPack device of the values (CPU: ``(1, 0)``)."""
        return self.array.__dlpack_device__()


# NumPy's keyword names (axis=, keepdims=) accepted by every method with a dim= (PyTorch does the same).
for _name in ("sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "softmax",
              "log_softmax", "squeeze", "unsqueeze", "cumsum", "sort", "argsort", "topk", "split", "chunk",
              "unbind", "gather", "scatter", "scatter_add", "index_select"):  # fmt: skip
    setattr(Tensor, _name, numpy_names(getattr(Tensor, _name)))
del _name


class _RemovableHandle:
    def __init__(self, container, item):
        self._container, self._item = container, item

    def remove(self):
        if self._item in self._container:
            self._container.remove(self._item)


def _is_device(value):
    """A device string ("cpu", "cuda:0", "mps" -- checked later) or a device object (``mg.device``)."""
    return isinstance(value, str) or (hasattr(value, "type") and hasattr(value, "index") and not hasattr(value, "kind"))


def _array_on(t, device):
    """The array of tensor ``t``, copied to ``device`` if it lives elsewhere (for copy_ and friends)."""
    if t.device == device:
        return t.array
    return backend_for(device).from_numpy(t._host_array())


def _shape_args(args):
    """Accept both ``t.reshape(2, 3)`` and ``t.reshape((2, 3))``."""
    if len(args) == 1 and isinstance(args[0], (tuple, list)):
        args = args[0]
    return tuple(int(a) for a in args)


def _index_arrays(index):
    """Replace Tensors inside an index by their arrays."""
    if isinstance(index, Tensor):
        return index.array
    if isinstance(index, tuple):
        return tuple(i.array if isinstance(i, Tensor) else i for i in index)
    return index


# ------------------------------------------------------------------------------------------------
# Creation functions
# ------------------------------------------------------------------------------------------------


def _infer_dtype(data):
    """PyTorch's rule: Python floats -> float32, ints -> int64, bools -> bool; NumPy arrays keep theirs."""
    if isinstance(data, np.ndarray) or isinstance(data, np.generic):
        return dtypes.as_dtype(data.dtype)
    a = np.asarray(data)
    if a.dtype == np.bool_:
        return dtypes.bool_
    if a.dtype.kind in "iu" or (a.dtype.kind in "fO" and a.size and all(dtypes.is_integer(v) for v in _flat([data]))):
        return dtypes.int64  # (NumPy makes [1, 2**63] float64 and [2**70] object: still ints, too big for int64)
    if a.dtype.kind == "f" or a.size == 0:
        return dtypes.default_float
    raise TypeError(f"cannot make a tensor from data of type {type(data).__name__} (NumPy dtype {a.dtype})")


def _finish(array, device, requires_grad):
    """A tensor around ``array`` (already on ``device``) that requires grad if asked."""
    t = Tensor._wrap(array, device)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _from_host(values, dtype, device):
    """Host data (numbers, lists, NumPy arrays) as an array on ``device`` (integers that do not fit
    ``dtype`` raise OverflowError instead of wrapping around)."""
    return backend_for(_canonical_device(device)).from_numpy(dtypes.to_array(values, dtype))


def tensor(data, dtype=None, device="cpu", requires_grad=False):
    """A new tensor holding a copy of ``data`` (a number, nested lists, a NumPy array or a Tensor).

    Integers that int64 cannot hold raise OverflowError (PyTorch too), uint64 arrays included
    (PyTorch would make a torch.uint64 tensor; minigrad has no unsigned dtype)."""
    if isinstance(data, Tensor):
        data = data._host_array()
    elif isinstance(data, (list, tuple)) and any(isinstance(d, Tensor) for d in _flat(data)):
        data = [d.tolist() if isinstance(d, Tensor) else d for d in data]
    dtype = dtypes.as_dtype(dtype) or _infer_dtype(data)
    device = _canonical_device(device)
    return _finish(_from_host(data, dtype, device), device, requires_grad)


def _flat(data):
    for d in data:
        if isinstance(d, (list, tuple)):
            yield from _flat(d)
        else:
            yield d


def from_numpy(array):
    """A tensor sharing memory with ``array`` (no copy), keeping its dtype."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"from_numpy expects a numpy.ndarray, got {type(array).__name__}")
    if array.dtype not in dtypes.SUPPORTED:
        raise TypeError(f"from_numpy: dtype {array.dtype} is not supported (float32, float64, int64, bool)")
    return Tensor._wrap(array)


def _size(size):
    if len(size) == 1 and isinstance(size[0], (tuple, list)):
        size = size[0]
    for s in size:
        if not isinstance(s, numbers.Integral) or s < 0:
            raise ValueError(f"sizes must be non-negative integers, got {tuple(size)}")
    return tuple(int(s) for s in size)


def _float_dtype(dtype):
    return dtypes.as_dtype(dtype) or dtypes.default_float


def _on(device):
    """(the canonical device name, its backend): where a factory makes its array."""
    device = _canonical_device(device)
    return device, backend_for(device)


def zeros(*size, dtype=None, device="cpu", requires_grad=False):
    device, b = _on(device)
    return _finish(b.zeros(_size(size), _float_dtype(dtype)), device, requires_grad)


def ones(*size, dtype=None, device="cpu", requires_grad=False):
    device, b = _on(device)
    return _finish(b.ones(_size(size), _float_dtype(dtype)), device, requires_grad)


def empty(*size, dtype=None, device="cpu", requires_grad=False):
    device, b = _on(device)
    return _finish(b.empty(_size(size), _float_dtype(dtype)), device, requires_grad)


def full(size, fill_value, dtype=None, device="cpu", requires_grad=False):
    device, b = _on(device)
    dtype = dtypes.as_dtype(dtype) or _infer_dtype(fill_value)
    return _finish(b.full(_size((size,)), fill_value, dtype), device, requires_grad)


def eye(n, m=None, dtype=None, device="cpu", requires_grad=False):
    return _finish(_from_host(np.eye(n, m), _float_dtype(dtype), device), _canonical_device(device), requires_grad)


def randn(*size, dtype=None, device="cpu", requires_grad=False, generator=None):
    """Samples of the standard normal distribution N(0, 1)."""
    device, b = _on(device)
    return _finish(b.randn(rng(generator), _size(size), _float_dtype(dtype)), device, requires_grad)


def rand(*size, dtype=None, device="cpu", requires_grad=False, generator=None):
    """Samples of the uniform distribution on [0, 1)."""
    device, b = _on(device)
    return _finish(b.rand(rng(generator), _size(size), _float_dtype(dtype)), device, requires_grad)


def randint(low, high=None, size=(), dtype=None, device="cpu", generator=None):
    """Integers drawn uniformly from {low, ..., high - 1} (``randint(high, size)`` starts at 0)."""
    if high is None:
        low, high = 0, low
    device, b = _on(device)
    values = b.randint(rng(generator), low, high, _size((size,)))
    dtype = dtypes.as_dtype(dtype) or dtypes.int64
    return _finish(values if dtype == dtypes.int64 else values.astype(dtype), device, False)


def randperm(n, device="cpu", generator=None):
    """A random permutation of 0, ..., n - 1 (int64)."""
    device, b = _on(device)
    return _finish(b.randperm(rng(generator), n), device, False)


def arange(start, end=None, step=1, dtype=None, device="cpu", requires_grad=False):
    if end is None:
        start, end = 0, start
    if step == 0 or not np.isfinite([start, end, step]).all() or (end - start) * step < 0:
        raise RuntimeError(f"arange(): cannot go from {start} to {end} in steps of {step} (PyTorch refuses it too)")
    if dtype is None:
        is_int = all(isinstance(v, numbers.Integral) for v in (start, end, step))
        dtype = dtypes.int64 if is_int else dtypes.default_float
    return _finish(
        _from_host(np.arange(start, end, step), dtypes.as_dtype(dtype), device),
        _canonical_device(device),
        requires_grad,
    )


def linspace(start, end, steps, dtype=None, device="cpu", requires_grad=False):
    values = np.linspace(start, end, steps)
    return _finish(_from_host(values, _float_dtype(dtype), device), _canonical_device(device), requires_grad)


def _like(fn, t, dtype, device, requires_grad, **kw):
    return fn(*t.shape, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad, **kw)


def zeros_like(t, dtype=None, device=None, requires_grad=False):
    return _like(zeros, t, dtype, device, requires_grad)


def ones_like(t, dtype=None, device=None, requires_grad=False):
    return _like(ones, t, dtype, device, requires_grad)


def empty_like(t, dtype=None, device=None, requires_grad=False):
    return _like(empty, t, dtype, device, requires_grad)


def full_like(t, fill_value, dtype=None, device=None, requires_grad=False):
    return full(t.shape, fill_value, dtype=dtype or t.dtype, device=device or t.device, requires_grad=requires_grad)


def randn_like(t, dtype=None, device=None, requires_grad=False, generator=None):
    return _like(randn, t, dtype, device, requires_grad, generator=generator)


def rand_like(t, dtype=None, device=None, requires_grad=False, generator=None):
    return _like(rand, t, dtype, device, requires_grad, generator=generator)


from minigrad import ops  # noqa: E402  (ops need Tensor, so they are imported last)
