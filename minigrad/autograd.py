"""Reverse-mode automatic differentiation: how ``loss.backward()`` works.

Every differentiable operation is a *Function* with a ``forward`` (compute the output and remember
what the backward pass will need) and a ``backward`` (given dL/d(output), return dL/d(input) for
each input). Calling ``SomeOp.apply(x, y)`` runs ``forward`` and, when gradients are wanted, links
the output tensor to a graph **node** (``output.grad_fn``).

A node keeps three things: the Function, its context (what ``forward`` saved for ``backward``) and
``next_functions``, one edge per input: the node that produced that input (and which of its
outputs it was), or, for a leaf, the leaf's ``AccumulateGrad`` node. A node never keeps its input
*tensors*: holding a graph's output holds the small node objects and the saved values, not the
intermediate arrays of the forward pass, and ``backward()`` frees the saved values too.

``tensor.backward()`` then runs the algorithm of ``run_backward``:

1. Order the nodes reachable from the output so that each comes before the nodes it sends
   gradients to (a depth-first search with an explicit stack: 10,000 chained ops are fine).
2. Visit them in that order. Each node receives the *sum* of the gradients that reached its
   outputs and calls its Function's ``backward``.
3. A gradient may come back with the broadcast shape of the op (``x + b`` where ``b`` was
   broadcast); ``unbroadcast`` sums it back to the input's shape, in one place for every op.
4. ``AccumulateGrad`` nodes add what reaches them into their leaf's ``.grad``.
5. Unless ``retain_graph=True``, each node releases its saved values after use; a second backward
   through it is an error that says so.

Two kinds of Function exist, and differ in one place only (``_forward`` and ``_backward``):

- ``Function``: PyTorch's API for users' own ops. ``forward(ctx, *args)`` receives Tensors, and
  ``backward(ctx, *grads)`` receives and returns Tensors.
- ``Op``: minigrad's built-in ops. Same shape, but ``forward`` and ``backward`` see the raw
  backend arrays (``np.ndarray`` on the CPU), which keeps the per-op Python overhead small.
"""

import contextlib
import threading
import weakref

# --------------------------------------------------------------------------------------------
# Grad mode
# --------------------------------------------------------------------------------------------

_state = threading.local()


def is_grad_enabled():
    return getattr(_state, "enabled", True)


class _GradMode(contextlib.ContextDecorator):
    mode = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        _state.enabled = self.mode

    def __exit__(self, *exc):
        _state.enabled = self._prev
        return False


class no_grad(_GradMode):
    """Context manager and decorator: ops inside build no graph (use it for updates and evaluation)."""

    mode = False


class enable_grad(_GradMode):
    """Context manager and decorator: turn graph building back on inside a ``no_grad`` block."""

    mode = True


class set_grad_enabled(_GradMode):
    """``mg.set_grad_enabled(False)`` turns graph building off (on with True) until told otherwise;
    ``with mg.set_grad_enabled(is_training):`` does it for a block only and restores the mode after."""

    def __init__(self, mode):
        self._prev = is_grad_enabled()
        self.mode = bool(mode)
        _state.enabled = self.mode  # as a plain call it takes effect at once, like PyTorch's

    def __enter__(self):
        _state.enabled = self.mode


# --------------------------------------------------------------------------------------------
# Context and graph nodes
# --------------------------------------------------------------------------------------------


class Context:
    """What a Function's forward leaves for its backward: saved values and which inputs need grads.

    ``ctx.backend`` is the backend module of the inputs' device and ``ctx.xp`` its array namespace;
    ``ctx.device`` is the device of the outputs: the inputs' unless the op moves them (ToDevice).
    """

    def __init__(self, backend, needs_input_grad):
        self.backend = backend
        self.xp = backend.xp
        self.device = backend.device
        self.needs_input_grad = needs_input_grad
        self._saved = ()
        self._versions = ()
        self._freed = False

    def save_for_backward(self, *values):
        self._saved = values

    @property
    def saved_tensors(self):
        if self._freed:
            raise RuntimeError(
                "Trying to backward through the graph a second time (or to read saved values after "
                "they have been freed). The saved values are freed after the first .backward(); "
                "call .backward(retain_graph=True) the first time if you need to go through it again."
            )
        for counter, version, who in self._versions:
            if counter.value != version:
                raise RuntimeError(
                    f"one of the tensors needed for the gradient of {who} has been modified by an "
                    f"in-place operation: it was at version {version} when saved and is now at version "
                    f"{counter.value}. Do not modify it in place before calling backward() "
                    "(e.g. run optimizer.step() after backward(), or work on a .clone())."
                )
        return self._saved

    def mark_non_differentiable(self, *outputs):
        pass  # minigrad's integer outputs (indices) are never differentiable anyway

    def _release(self):
        """Forget everything forward left here (saved values and any other attribute): after this,
        the node is a few small objects, and a second backward raises the retain_graph error."""
        self.__dict__.clear()
        self._freed = True


class Node:
    """A graph node: one call of a Function, the ``grad_fn`` of the tensors that call produced.

    ``next_functions``: one ``(node, output_index)`` per positional input of forward, ``(None, 0)``
    for an input that needs no gradient. ``out_meta``: (shape, dtype) of each output.
    """

    __slots__ = ("fn", "ctx", "next_functions", "out_meta", "hooks", "__weakref__")

    def __init__(self, fn, ctx, next_functions, out_meta):
        self.fn = fn  # the Function class
        self.ctx = ctx
        self.next_functions = next_functions
        self.out_meta = out_meta
        self.hooks = None  # {output index: [hook, ...]}, from Tensor.register_hook on non-leaves

    def name(self):
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"


class AccumulateGrad:
    """The node of a leaf tensor: what reaches it is added into ``leaf.grad`` (PyTorch's name).

    A leaf has one such node while a graph uses it (the leaf keeps only a weak reference), so a
    leaf used twice receives the sum of both gradients, then accumulates once.
    """

    __slots__ = ("variable", "__weakref__")
    next_functions = ()
    hooks = None

    def __init__(self, variable):
        self.variable = variable

    @property
    def out_meta(self):
        return ((self.variable.shape, self.variable.dtype),)

    def name(self):
        return "AccumulateGrad"

    def __repr__(self):
        return "<AccumulateGrad>"


def _edge(tensor):
    """The edge from a node to one of its inputs: who receives the gradient of ``tensor``."""
    if tensor.grad_fn is not None:
        return tensor.grad_fn, tensor._output_index
    node = tensor._accumulator() if tensor._accumulator is not None else None
    if node is None:
        node = AccumulateGrad(tensor)
        tensor._accumulator = weakref.ref(node)
    return node, 0


def _record_versions(ctx, tensors, fn_name):
    """Remember the version of every tensor whose values were saved, to catch in-place changes later.

    ``tensors``: the inputs and outputs of the call. A saved Tensor (users' Functions) brings its
    own counter; a saved array (Ops) is matched to the tensor that holds it."""
    from minigrad.tensor import Tensor

    if not ctx._saved:
        return
    holders = {id(t.array): t for t in tensors}
    versions = []
    for value in ctx._saved:
        t = value if isinstance(value, Tensor) else holders.get(id(value))
        if t is not None:
            versions.append((t._version, t._version.value, fn_name))
    ctx._versions = tuple(versions)


# --------------------------------------------------------------------------------------------
# Functions
# --------------------------------------------------------------------------------------------


class Function:
    """Base class for differentiable operations written by users, in PyTorch's style::

        class Square(mg.autograd.Function):
            @staticmethod
            def forward(ctx, x):
                ctx.save_for_backward(x)
                return x * x

            @staticmethod
            def backward(ctx, grad):
                (x,) = ctx.saved_tensors
                return 2 * x * grad

        y = Square.apply(x)

    ``forward`` receives Tensors (any non-tensor arguments unchanged) and runs without building a
    graph; ``backward`` receives one gradient Tensor per output and returns one per input.
    """

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    # How forward and backward see values: the one place where Function and Op differ.
    @classmethod
    def _forward(cls, ctx, args, kwargs):
        """forward(ctx, *args) on detached input Tensors (sharing memory and version counter)."""
        from minigrad.tensor import Tensor

        with no_grad():
            return cls.forward(ctx, *(a.detach() if isinstance(a, Tensor) else a for a in args), **kwargs)

    @classmethod
    def _backward(cls, ctx, grads):
        """backward(ctx, *grads) with each gradient array wrapped in a Tensor."""
        from minigrad.tensor import Tensor

        with no_grad():
            return cls.backward(ctx, *(Tensor._wrap(g, ctx.device) for g in grads))

    @classmethod
    def apply(cls, *args, **kwargs):
        from minigrad.tensor import Tensor

        inputs = [a for a in args if isinstance(a, Tensor)]
        grad_on = is_grad_enabled()
        needs = tuple(grad_on and isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = Context(_common_backend(cls, inputs), needs)

        out = cls._forward(ctx, args, kwargs)

        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        results = tuple(_as_output(o, ctx) for o in outs)

        if any(needs):
            edges = tuple(_edge(a) if n else (None, 0) for a, n in zip(args, needs))
            node = Node(cls, ctx, edges, tuple((r.shape, r.dtype) for r in results))
            for i, r in enumerate(results):
                if r.dtype.kind == "f":
                    r.requires_grad = True
                    r.grad_fn = node
                    r._output_index = i
            _record_versions(ctx, (*inputs, *results), cls.__name__)
        return results[0] if single else results


class Op(Function):
    """Base class of minigrad's own ops: ``forward``/``backward`` take and return raw arrays."""

    @classmethod
    def _forward(cls, ctx, args, kwargs):
        from minigrad.tensor import Tensor

        return cls.forward(ctx, *(a.array if isinstance(a, Tensor) else a for a in args), **kwargs)

    @classmethod
    def _backward(cls, ctx, grads):
        return cls.backward(ctx, *grads)


def _common_backend(fn, tensors):
    from minigrad.backends import backend_for

    if not tensors:
        return backend_for("cpu")
    device = tensors[0].device
    for t in tensors[1:]:
        if t.device != device:
            raise RuntimeError(
                f"{fn.__name__}: expected all tensors on the same device, found {device} and {t.device}; "
                "move them with .to(device) first"
            )
    return backend_for(device)


def _as_output(value, ctx):
    """A forward result as a Tensor on the op's output device (``ctx.device``, which ToDevice sets)."""
    from minigrad.tensor import Tensor

    if isinstance(value, Tensor):  # users' Functions: keep the counter of the memory they returned
        out = Tensor._wrap(value.array, ctx.device)
        out._version = value._version
        return out
    return Tensor._wrap(value, ctx.device)


def _array_of(value):
    return value.array if hasattr(value, "array") else value


# --------------------------------------------------------------------------------------------
# The backward engine
# --------------------------------------------------------------------------------------------


def unbroadcast(grad, shape):
    """Sum ``grad`` (shaped like a broadcast result) back to ``shape``, the shape of the input.

    Broadcasting copies an input along new leading axes and along axes of size 1; the gradient of a
    copy is the sum of the gradients of its copies.
    """
    shape = tuple(shape)
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise RuntimeError(f"gradient of shape {grad.shape} cannot belong to an input of shape {shape}")
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(grad.shape[extra:])
    if grad.shape != shape:
        raise RuntimeError(f"gradient of shape {grad.shape} does not match its input's shape {shape}")
    return grad


def _topological_order(roots):
    """Nodes reachable from ``roots``, each before every node it sends gradients to."""
    order, seen = [], set()
    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, iter(root.next_functions))]
        while stack:
            node, edges = stack[-1]
            for child, _ in edges:
                if child is not None and child not in seen:
                    seen.add(child)
                    stack.append((child, iter(child.next_functions)))
                    break
            else:
                stack.pop()
                order.append(node)  # after everything it feeds: reversed below
    order.reverse()
    return order


def run_backward(tensors, grad_tensors, retain_graph=False):
    """Back-propagate from ``tensors`` (seeded with the arrays ``grad_tensors``) to every leaf."""
    pending = {}  # node -> [summed gradient of each output, or None]
    claimed = _Claims(grad_tensors)  # which gradient arrays a leaf may keep without a copy

    def send(node, index, grad):
        shape, dtype = node.out_meta[index]
        grad = unbroadcast(grad, shape)
        if grad.dtype != dtype:
            grad = grad.astype(dtype)
        slots = pending.setdefault(node, [None] * len(node.out_meta))
        slots[index] = grad if slots[index] is None else slots[index] + grad

    roots = []
    for t, g in zip(tensors, grad_tensors):
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        _check_grad(g, t, "backward(gradient=...)")
        node, index = _edge(t)
        send(node, index, g)
        roots.append(node)

    for node in _topological_order(roots):
        grads = pending.pop(node, None)
        if grads is None:
            continue  # no gradient reached this node
        if isinstance(node, AccumulateGrad):
            _accumulate(node.variable, grads[0], claimed)
            continue
        if node.ctx._freed:
            _ = node.ctx.saved_tensors  # raises the "backward through the graph a second time" error
        grads = [g if g is not None else node.ctx.backend.zeros(*m) for g, m in zip(grads, node.out_meta)]
        if node.hooks:
            grads = _run_hooks(node, grads)
        grads_in = _call_backward(node, grads)
        claimed.passed_through(grads, grads_in, trusted=issubclass(node.fn, Op))
        if not retain_graph:
            node.ctx._release()
        for (child, index), g in zip(node.next_functions, grads_in):
            if child is not None and g is not None:
                send(child, index, g)


def _call_backward(node, grads):
    fn = node.fn
    result = fn._backward(node.ctx, grads)
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != len(node.next_functions):
        raise RuntimeError(
            f"{fn.__name__}.backward returned {len(result)} gradients, but forward had "
            f"{len(node.next_functions)} inputs"
        )
    return [_array_of(r) for r in result]


def _run_hooks(node, grads):
    from minigrad.tensor import Tensor

    for i, hooks in node.hooks.items():
        for hook in hooks:
            new = hook(Tensor._wrap(grads[i], node.ctx.device))
            if new is not None:
                grads[i] = _check_grad(_array_of(new), Tensor._wrap(grads[i], node.ctx.device), "hook")
    return grads


def _accumulate(leaf, grad, claimed):
    """leaf.grad += grad (leaf.grad = grad the first time), after the leaf's own hooks."""
    from minigrad.tensor import Tensor

    for hook in leaf._hooks or ():
        new = hook(Tensor._wrap(grad, leaf.device))
        if new is not None:
            grad = _check_grad(_array_of(new), leaf, "hook")
            claimed.add(grad)  # the hook's caller may hold it
    if leaf._grad is None:
        leaf._grad = Tensor._wrap(grad if claimed.take(grad) else grad.copy(), leaf.device)
    else:
        leaf._grad.array += grad


def _check_grad(grad, tensor, who):
    """A gradient handed in from outside (a seed, a hook's result) must fit its tensor exactly."""
    if tuple(grad.shape) != tensor.shape:
        what = "hook has changed the size of value" if who == "hook" else f"{who}: gradient has the wrong shape"
        raise RuntimeError(f"{what}: got shape {tuple(grad.shape)}, expected {tensor.shape}")
    if grad.dtype != tensor.dtype:
        grad = grad.astype(tensor.dtype)
    return grad


class _Claims:
    """The aliasing rule: when may a gradient array become ``leaf.grad`` itself, without a copy?

    Only when nothing else can see or change its memory later. An array that a backward pass made
    (a kernel's output, or a reshaped view of all of one) qualifies. These do not: the seeds (the
    caller's), arrays given to a node's backward (it may hand them straight on, like Add's), arrays a
    user's Function or a hook returned, and memory some leaf already keeps. Memory is named by the
    array that owns it (a view's base), so a view of a claimed array is claimed too.
    """

    def __init__(self, seeds):
        self._ids = {id(_owner(s)) for s in seeds}

    def add(self, array):
        self._ids.add(id(_owner(array)))

    def passed_through(self, grads_out, grads_in, trusted):
        """After a node's backward: its incoming gradients, and all it returned unless it is one of
        minigrad's Ops (whose fresh results are theirs to give; one array returned twice is not)."""
        for g in grads_out:
            self.add(g)
        owners = [id(_owner(g)) for g in grads_in if g is not None]
        if not trusted or len(set(owners)) < len(owners):
            self._ids.update(owners)

    def take(self, array):
        """True (and the memory is claimed from now on) when ``array`` may be kept as it is."""
        owner = _owner(array)
        if id(owner) in self._ids or not _owns_all_of(array, owner):
            return False
        self._ids.add(id(owner))
        return True


def _owner(array):
    """The array that owns ``array``'s memory: itself, or the base of a view (NumPy and CuPy point a
    view of a view at the original owner)."""
    base = getattr(array, "base", None)
    return array if base is None or not hasattr(base, "nbytes") else base


def _owns_all_of(array, owner):
    """``array`` is writeable memory of its own: all of an array that owns its data."""
    flags = getattr(array, "flags", None)
    if flags is None or not getattr(flags, "writeable", True):
        return False
    return owner.flags.owndata and array.nbytes == owner.nbytes


def _seed(tensor, gradient):
    """The gradient backward() starts from: ones for a one-element tensor, else the caller's."""
    from minigrad.backends import backend_for
    from minigrad.tensor import Tensor

    backend = backend_for(tensor.device)
    if gradient is None:
        if tensor.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but the output has shape "
                f"{tensor.shape}; pass backward(gradient=...) with a tensor of that shape"
            )
        return backend.ones(tensor.shape, tensor.dtype)
    if isinstance(gradient, Tensor):
        if gradient.device != tensor.device:
            raise RuntimeError(
                f"backward(gradient=...): the gradient is on {gradient.device} but the tensor is on {tensor.device}"
            )
        return gradient.array
    return backend.asarray(gradient, tensor.dtype)
