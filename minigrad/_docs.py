"""``help()`` texts for the Tensor methods, creation functions and autograd names that are defined without a
docstring (in ``tensor.py`` and ``autograd.py``). ``apply()`` (called by ``minigrad/__init__.py``) gives each
its text here; a docstring written at the definition always wins. The maths of every op is in the
docstrings of ``minigrad/ops/``, which these texts point to.
"""

TENSOR = {
    # attributes
    "shape": "The size of each dim, a tuple (PyTorch's ``torch.Size``).",
    "dtype": "The element type: mg.float32, mg.float64, mg.int64 or mg.bool (NumPy dtypes).",
    "ndim": "The number of dims.",
    "is_leaf": "True for tensors made by the user (and for results of ops that need no gradient); False for "
    "results of differentiable ops, which have a grad_fn.",
    "T": "All dims reversed (the transpose of a matrix).",
    "mT": "The last two dims swapped (a batch of transposed matrices).",
    "dim": "The number of dims (``ndim``).",
    "size": "``size()``: the shape; ``size(d)``: the size of dim d.",
    "numel": "The number of elements.",
    "is_floating_point": "True for float32 and float64 tensors.",
    "is_contiguous": "True when the values are laid out in C order without gaps (views may not be).",
    "__eq__": "``self == other`` elementwise (``eq``): a bool tensor, outside the graph.",
    "__ne__": "``self != other`` elementwise (``ne``): a bool tensor.",
    "__lt__": "``self < other`` elementwise (``lt``): a bool tensor.",
    "__le__": "``self <= other`` elementwise (``le``): a bool tensor.",
    "__gt__": "``self > other`` elementwise (``gt``): a bool tensor.",
    "__ge__": "``self >= other`` elementwise (``ge``): a bool tensor.",
    # leaving minigrad
    "item": "The value of a one-element tensor as a Python number (``loss.item()``).",
    "tolist": "The values as (nested) Python lists of numbers.",
    # autograd
    "detach": "The same values (sharing memory) outside the graph: no grad_fn, requires_grad False.",
    "detach_": "Detach this tensor from the graph in place.",
    "requires_grad_": "Make this leaf tensor track gradients (or stop, with False); returns it.",
    # in place
    "copy_": "Copy ``src``'s values (broadcast to this shape) into this tensor, in place.",
    "fill_": "Set every element to ``value``, in place.",
    "zero_": "Set every element to 0, in place.",
    "uniform_": "Fill with samples of U[a, b), in place.",
    "normal_": "Fill with samples of N(mean, std^2), in place.",
    "add_": "``self += alpha * other``, in place.",
    "sub_": "``self -= alpha * other``, in place.",
    "mul_": "``self *= other``, in place.",
    "div_": "``self /= other``, in place.",
    "clamp_": "Clamp every element to [min, max], in place.",
    # conversions
    "cpu": "This tensor on the CPU (itself when it is there already).",
    "cuda": "This tensor on the GPU (a differentiable copy).",
    "float": "Converted to float32.",
    "double": "Converted to float64.",
    "long": "Converted to int64.",
    "bool": "Converted to bool (nonzero is True).",
    "type": "Converted to ``dtype``.",
    "clone": "A copy with its own memory; the gradient flows back to this tensor.",
    # arithmetic
    "add": "``self + other`` (broadcasting); see ``minigrad.ops.elementwise``.",
    "sub": "``self - other`` (broadcasting).",
    "mul": "``self * other`` (broadcasting).",
    "div": "``self / other`` (broadcasting; true division).",
    "pow": "``self ** exponent``.",
    "neg": "``-self``.",
    "matmul": "``self @ other``: matrix product with NumPy's rules for 1-d and batched operands.",
    "exp": "e^x elementwise; d/dx = e^x.",
    "log": "Natural logarithm elementwise; d/dx = 1/x.",
    "sqrt": "Square root elementwise; d/dx = 1 / (2 sqrt(x)).",
    "abs": "|x| elementwise; d/dx = sign(x).",
    "clamp": "Clamp to [min, max] elementwise; the gradient is 1 inside, 0 outside.",
    "clip": "Alias of ``clamp``.",
    "maximum": "The elementwise larger of self and other (ties share the gradient).",
    "minimum": "The elementwise smaller of self and other (ties share the gradient).",
    "relu": "max(x, 0) elementwise (``F.relu``).",
    "sigmoid": "1 / (1 + e^-x) elementwise (``F.sigmoid``).",
    "tanh": "tanh(x) elementwise (``F.tanh``).",
    "softmax": "softmax along ``dim``: exp(x) / sum exp(x) (``F.softmax``).",
    "log_softmax": "log softmax along ``dim`` (``F.log_softmax``).",
    # reductions
    "sum": "The sum over ``dim`` (an int, a tuple, or None for all); ``keepdim`` keeps the reduced dims as 1.",
    "mean": "The mean over ``dim`` (all dims by default), for floating tensors.",
    "var": "The variance over ``dim``, dividing by n - correction (default: the unbiased estimate).",
    "std": "The standard deviation over ``dim``: sqrt(var).",
    "max": "``max()``: the largest value; ``max(dim)``: (values, indices) along dim.",
    "min": "``min()``: the smallest value; ``min(dim)``: (values, indices) along dim.",
    "amax": "The largest values over ``dim`` (ties share the gradient).",
    "amin": "The smallest values over ``dim`` (ties share the gradient).",
    "argmax": "The index of the largest value (of the flattened tensor, or along ``dim``), int64.",
    "argmin": "The index of the smallest value (of the flattened tensor, or along ``dim``), int64.",
    "any": "True if any element is nonzero (a 0-d bool tensor).",
    "all": "True if every element is nonzero (a 0-d bool tensor).",
    # shapes
    "reshape": "The same values in a new shape (a view when possible); one size may be -1 (inferred).",
    "view": "The same values in a new shape, always sharing memory; an error when the layout does not allow it "
    "(use reshape then).",
    "view_as": "``view(other.shape)``.",
    "reshape_as": "``reshape(other.shape)``.",
    "flatten": "Dims start_dim..end_dim merged into one (all by default).",
    "transpose": "Dims dim0 and dim1 swapped (a view).",
    "t": "The transpose of a matrix (at most 2 dims).",
    "permute": "The dims reordered (a view): ``x.permute(0, 2, 3, 1)``.",
    "unsqueeze": "A new dim of size 1 at ``dim`` (a view).",
    "squeeze": "Dims of size 1 removed (all, or only ``dim``).",
    "expand": "Size-1 dims broadcast to a bigger shape without copying (-1 keeps a size).",
    "expand_as": "``expand(other.shape)``.",
    "contiguous": "This tensor with a C-contiguous layout (a copy only when needed).",
}

FUNCTIONS = {
    "tensor": None,  # has its own
    "zeros": "A tensor of zeros of the given size (float32 unless ``dtype``).",
    "ones": "A tensor of ones of the given size (float32 unless ``dtype``).",
    "empty": "An uninitialised tensor of the given size (float32 unless ``dtype``).",
    "full": "A tensor of ``size`` filled with ``fill_value`` (its dtype from the value unless ``dtype``).",
    "eye": "An n x m identity matrix.",
    "arange": "Values from start to end (exclusive) in steps of ``step``; int64 for integer arguments.",
    "linspace": "``steps`` evenly spaced values from start to end (inclusive).",
    "randint": "Integers drawn uniformly from [low, high), int64.",
    "randperm": "A random permutation of 0..n-1, int64.",
    "zeros_like": "Zeros with the shape (and by default dtype and device) of ``t``.",
    "ones_like": "Ones with the shape (and by default dtype and device) of ``t``.",
    "empty_like": "An uninitialised tensor like ``t``.",
    "full_like": "``fill_value`` everywhere, like ``t``.",
    "randn_like": "Samples of N(0, 1) shaped like ``t``.",
    "rand_like": "Samples of U[0, 1) shaped like ``t``.",
}

AUTOGRAD = {
    "is_grad_enabled": "True unless inside ``no_grad()`` (or ``set_grad_enabled(False)``).",
    "set_grad_enabled": "Turn graph building on or off (PyTorch's ``torch.set_grad_enabled``).",
    "Function.apply": "Run ``forward`` and, when gradients are wanted, record the call in the graph; returns "
    "the output tensor(s). Call this, not forward.",
    "Function.forward": "Compute the outputs from the inputs; save what backward needs with "
    "``ctx.save_for_backward``. Subclasses define it.",
    "Function.backward": "Given dL/d(each output), return dL/d(each input) (None for inputs without "
    "gradient). Subclasses define it.",
    "Context.save_for_backward": "Keep these values (tensors or arrays) for backward, checked for in-place "
    "changes in the meantime.",
    "Context.saved_tensors": "The values given to ``save_for_backward``.",
    "Context.mark_non_differentiable": "Accepted for PyTorch's API: minigrad's integer outputs never get gradients.",
    "Node.name": "The node's name, e.g. ``MulBackward``.",
    "AccumulateGrad.name": "``AccumulateGrad``, PyTorch's name for the node that adds a gradient into a leaf's .grad.",
    "AccumulateGrad.out_meta": "The (shape, dtype) of the leaf this node accumulates into.",
    "Node.next_functions": "The graph nodes of this node's inputs (None for inputs without gradient).",
}


def _set(obj, doc):
    """Give ``obj`` the text ``doc`` unless it already has one."""
    if doc and not getattr(obj, "__doc__", None):
        try:
            obj.__doc__ = doc
        except (AttributeError, TypeError):  # a builtin: leave it
            pass


def apply():
    import minigrad
    from minigrad import autograd
    from minigrad.tensor import Tensor

    for name, doc in TENSOR.items():
        if name in vars(Tensor):
            _set(vars(Tensor)[name], doc)
    for name, doc in FUNCTIONS.items():
        if hasattr(minigrad, name):
            _set(getattr(minigrad, name), doc)
    for path, doc in AUTOGRAD.items():
        owner, _, attr = path.rpartition(".")
        holder = getattr(autograd, owner, None) if owner else autograd
        obj = vars(holder).get(attr) if owner and holder is not None else getattr(autograd, attr, None)
        if isinstance(obj, staticmethod | classmethod):
            obj = obj.__func__
        if obj is not None:
            _set(obj, doc)
    if not vars(Tensor).get("__doc__"):
        Tensor.__doc__ = (
            "An n-dimensional array with reverse-mode autograd, PyTorch's ``torch.Tensor``: make one with "
            "``mg.tensor(data)``, ``mg.zeros(...)``, ``mg.randn(...)``; ``requires_grad=True`` makes "
            "``backward()`` fill its ``.grad``. See ``minigrad/tensor.py``."
        )
