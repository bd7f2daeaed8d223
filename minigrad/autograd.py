"""Reverse-mode automatic differentiation: how ``loss.backward()`` works.

Every differentiable operation is a *Function* with a ``forward`` (compute the output and remember
what the backward pass will need) and a ``backward`` (given dL/d(output), return dL/d(input) for
each input). Calling ``SomeOp.apply(x, y)`` runs ``forward`` and, when gradients are wanted, links
the output tensor to a graph node (``output.grad_fn``) that knows its inputs.

``tensor.backward()`` then walks that graph from the output back to the leaves:

1. Collect the nodes reachable from the output, in topological order (iteratively, with an explicit
   stack, so a chain of 10,000 ops does not hit Python's recursion limit).
2. Visit them outputs-first. Each node receives the sum of the gradients flowing into its outputs,
   calls its Function's ``backward`` and hands the results to its inputs.
3. A gradient may come back with the broadcast shape of the op (``x + b`` where ``b`` was broadcast);
   ``unbroadcast`` sums it back to the input's shape -- in one place, for every op.
4. Leaves (tensors created by the user with ``requires_grad=True``) accumulate into ``.grad``.
5. Unless ``retain_graph=True``, each node drops its saved arrays after use, so the memory of the
   forward pass is freed; a second backward through it is an error that says so.

Two kinds of Function exist:

- ``Function``: PyTorch's API for users' own ops. ``forward(ctx, *args)`` receives Tensors, and
  ``backward(ctx, *grads)`` receives and returns Tensors.
- ``Op``: minigrad's built-in ops. Same shape, but ``forward`` and ``backward`` see the raw arrays
  (``np.ndarray`` on the CPU), which keeps the per-op Python overhead small.
"""

import contextlib
import threading

import numpy as np

# --------------------------------------------------------------------------------------------
# Grad mode
# --------------------------------------------------------------------------------------------

_state = threading.local()


def is_grad_enabled():
    return getattr(_state, "enabled", True)


def set_grad_enabled(mode):
    _state.enabled = bool(mode)


class _GradMode(contextlib.ContextDecorator):
    mode = True

    def __enter__(self):
        self._prev = is_grad_enabled()
        set_grad_enabled(self.mode)

    def __exit__(self, *exc):
        set_grad_enabled(self._prev)
        return False


class no_grad(_GradMode):
    """Context manager and decorator: ops inside build no graph (use it for updates and evaluation)."""

    mode = False


class enable_grad(_GradMode):
    """Context manager and decorator: turn graph building back on inside a ``no_grad`` block."""

    mode = True


# --------------------------------------------------------------------------------------------
# Context and graph nodes
# --------------------------------------------------------------------------------------------


class Context:
    """What a Function's forward leaves for its backward: saved values and which inputs need grads."""

    def __init__(self, backend, needs_input_grad):
        self.backend = backend
        self.xp = backend.xp
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


class Node:
    """A graph node: one call of a Function. It is the ``grad_fn`` of the tensors that call produced."""

    __slots__ = ("fn", "ctx", "inputs", "out_meta", "hooks", "__weakref__")

    def __init__(self, fn, ctx, inputs, out_meta):
        self.fn = fn  # the Function class
        self.ctx = ctx
        self.inputs = inputs  # one entry per positional argument: a Tensor that requires grad, or None
        self.out_meta = out_meta  # (shape, dtype) of each output, to build zero gradients
        self.hooks = None  # {output index: [hook, ...]} from Tensor.register_hook on non-leaves

    def name(self):
        return self.fn.__name__ + "Backward"

    def __repr__(self):
        return f"<{self.name()}>"

    @property
    def next_functions(self):
        return tuple((t.grad_fn if t is not None else None) for t in self.inputs)


def _record_versions(ctx, inputs, outputs, fn_name):
    """Remember the version of every tensor whose array was saved, to catch in-place changes later."""
    if not ctx._saved:
        return
    owners = {}  # id of a tensor, and of its array -> the tensor (the first one wins, as before)
    for t in (*inputs, *outputs):
        if t is not None and hasattr(t, "_version"):
            owners.setdefault(id(t), t)
            owners.setdefault(id(t.array), t)
    versions = []
    for value in ctx._saved:
        t = owners.get(id(value))
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

    _raw = False  # Op sets this: its forward/backward see raw arrays

    @staticmethod
    def forward(ctx, *args, **kwargs):
        raise NotImplementedError

    @staticmethod
    def backward(ctx, *grad_outputs):
        raise NotImplementedError

    @classmethod
    def apply(cls, *args, **kwargs):
        from minigrad.tensor import Tensor

        tensors = [a for a in args if isinstance(a, Tensor)]
        backend = _common_backend(cls, tensors)
        grad_on = is_grad_enabled()
        needs = tuple(grad_on and isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = Context(backend, needs)

        if cls._raw:
            fargs = [a.array if isinstance(a, Tensor) else a for a in args]
            out = cls.forward(ctx, *fargs, **kwargs)
        else:
            fargs = [a.detach() if isinstance(a, Tensor) else a for a in args]
            with no_grad():
                out = cls.forward(ctx, *fargs, **kwargs)

        single = not isinstance(out, tuple)
        outs = (out,) if single else out
        device = tensors[0].device if tensors else "cpu"
        results = tuple(_as_output(o, device) for o in outs)

        if any(needs):
            inputs = tuple(a if n else None for a, n in zip(args, needs))
            node = Node(cls, ctx, inputs, tuple((r.shape, r.dtype) for r in results))
            for i, r in enumerate(results):
                if r.dtype.kind == "f":
                    r.requires_grad = True
                    r.grad_fn = node
                    r._output_index = i
            _record_versions(ctx, [a if isinstance(a, Tensor) else None for a in args], results, cls.__name__)
        return results[0] if single else results


class Op(Function):
    """Base class of minigrad's own ops: ``forward``/``backward`` take and return raw arrays."""

    _raw = True


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


def _as_output(value, device):
    from minigrad.tensor import Tensor

    if isinstance(value, Tensor):
        return Tensor._wrap(value.array, device)
    return Tensor._wrap(value, device)


# --------------------------------------------------------------------------------------------
# Gradients: un-broadcasting and the backward engine
# --------------------------------------------------------------------------------------------


def unbroadcast(grad, shape, xp=np):
    """Sum ``grad`` (shaped like a broadcast result) back to ``shape``, the shape of the input.

    Broadcasting copies an input along new leading axes and along axes of size 1; the gradient of a
    copy is the sum of the gradients of its copies.
    """
    if grad.shape == tuple(shape):
        return grad
    extra = grad.ndim - len(shape)
    if extra < 0:
        raise RuntimeError(f"gradient of shape {grad.shape} cannot belong to an input of shape {tuple(shape)}")
    axes = tuple(range(extra)) + tuple(extra + i for i, n in enumerate(shape) if n == 1 and grad.shape[extra + i] != 1)
    if axes:
        grad = grad.sum(axis=axes, keepdims=True)
    if extra:
        grad = grad.reshape(grad.shape[extra:])
    if grad.shape != tuple(shape):
        raise RuntimeError(f"gradient of shape {grad.shape} does not match its input's shape {tuple(shape)}")
    return grad


def _topological_order(roots):
    """Nodes reachable from ``roots``, each after every node that feeds gradient into it."""
    order, seen = [], set()
    for root in roots:
        if id(root) in seen:
            continue
        seen.add(id(root))
        stack = [(root, iter(root.inputs))]
        while stack:
            node, children = stack[-1]
            for t in children:
                child = t.grad_fn if t is not None else None
                if child is not None and id(child) not in seen:
                    seen.add(id(child))
                    stack.append((child, iter(child.inputs)))
                    break
            else:
                stack.pop()
                order.append(node)
    order.reverse()  # now every node comes before the nodes it sends gradients to
    return order


def _call_backward(node, grads):
    ctx, fn = node.ctx, node.fn
    if ctx._freed:
        _ = ctx.saved_tensors  # raises the "backward through the graph a second time" error
    if fn._raw:
        result = fn.backward(ctx, *grads)
    else:
        from minigrad.tensor import Tensor

        device = next(t for t in node.inputs if t is not None).device
        with no_grad():
            result = fn.backward(ctx, *(Tensor._wrap(g, device) for g in grads))
    if not isinstance(result, tuple):
        result = (result,)
    if len(result) != len(node.inputs):
        raise RuntimeError(
            f"{fn.__name__}.backward returned {len(result)} gradients, but forward had {len(node.inputs)} inputs"
        )
    return [r.array if hasattr(r, "array") else r for r in result]


def run_backward(tensors, grad_tensors, retain_graph=False):
    """Back-propagate from ``tensors`` (seeded with ``grad_tensors``) to every leaf that requires grad."""
    pending = {}  # node -> list of gradient arrays, one per output of the node
    # Memory that a leaf must not keep as its .grad without copying: the seeds (the caller's), arrays
    # handed to more than one input (x + x), arrays a user's Function returned, arrays a leaf already
    # holds. Any other gradient is a fresh array made by an op (or a reshaped view of one), and
    # becomes leaf.grad as it is. Memory is named by the id of the array that owns it (_owner).
    shared = {id(_owner(g)) for g in grad_tensors}

    def add(tensor, grad):
        grad = _fit_grad(grad, tensor)
        node = tensor.grad_fn
        if node is None:  # a leaf
            _accumulate_leaf(tensor, grad, copy=id(_owner(grad)) in shared or not _fresh(grad))
            shared.add(id(_owner(grad)))
            return
        slots = pending.setdefault(id(node), [None] * len(node.out_meta))
        i = tensor._output_index
        slots[i] = grad if slots[i] is None else slots[i] + grad

    roots = []
    for t, g in zip(tensors, grad_tensors):
        if not t.requires_grad:
            raise RuntimeError("element 0 of tensors does not require grad and does not have a grad_fn")
        add(t, g)
        if t.grad_fn is not None:
            roots.append(t.grad_fn)

    for node in _topological_order(roots):
        slots = pending.pop(id(node), None)
        if slots is None:
            continue  # no gradient reached this node
        xp = node.ctx.xp
        grads = [s if s is not None else xp.zeros(shape, dtype) for s, (shape, dtype) in zip(slots, node.out_meta)]
        if node.hooks:
            grads = _run_node_hooks(node, grads)
        grads_in = _call_backward(node, grads)
        if not retain_graph:
            node.ctx._freed = True
            node.ctx._saved = ()
        owners = [id(_owner(g)) for g in grads_in if g is not None]
        if not node.fn._raw or len(set(owners)) < len(owners):
            shared.update(owners)
        shared.update(id(_owner(g)) for g in grads)  # an identity backward may pass these straight through
        for t, g in zip(node.inputs, grads_in):
            if t is None or g is None:
                continue
            add(t, unbroadcast(g, t.shape, xp))


def _owner(array):
    """The array that owns ``array``'s memory: itself, or the base of a view (NumPy points a view of a
    view at the original owner)."""
    base = getattr(array, "base", None)
    return base if isinstance(base, np.ndarray) else array


def _fresh(array):
    """True when ``array`` is writeable memory of its own: an array that owns its data, or a view of
    the whole of such an array (a kernel's output reshaped back to the input's shape)."""
    if not isinstance(array, np.ndarray) or not array.flags.writeable:
        return False
    owner = _owner(array)
    return owner.flags.owndata and array.nbytes == owner.nbytes


def _fit_grad(grad, tensor):
    if grad.shape != tensor.shape:
        raise RuntimeError(f"gradient of shape {grad.shape} does not match the tensor's shape {tensor.shape}")
    if grad.dtype != tensor.dtype:
        grad = grad.astype(tensor.dtype)
    return grad


def _run_node_hooks(node, grads):
    from minigrad.tensor import Tensor

    for i, hooks in node.hooks.items():
        for hook in hooks:
            new = hook(Tensor._wrap(grads[i], "cpu"))
            if new is not None:
                grads[i] = new.array if isinstance(new, Tensor) else new
    return grads


def _accumulate_leaf(tensor, grad, copy):
    from minigrad.tensor import Tensor

    for hook in tensor._hooks or ():
        new = hook(Tensor._wrap(grad, tensor.device))
        if new is not None:
            grad, copy = new.array, True
    if tensor.grad is None:
        tensor.grad = Tensor._wrap(grad.copy() if copy else grad, tensor.device)
    else:
        tensor.grad.array += grad


def _seed(tensor, gradient):
    from minigrad.tensor import Tensor

    if gradient is None:
        if tensor.numel() != 1:
            raise RuntimeError(
                f"grad can be implicitly created only for scalar outputs, but the output has shape "
                f"{tensor.shape}; pass backward(gradient=...) with a tensor of that shape"
            )
        return np.ones(tensor.shape, dtype=tensor.dtype)
    if isinstance(gradient, Tensor):
        return gradient.array
    return np.asarray(gradient, dtype=tensor.dtype)
