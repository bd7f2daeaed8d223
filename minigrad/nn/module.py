"""``nn.Module``: the base class of every layer and model, with PyTorch's API.

A Module owns Parameters (tensors the optimizer updates), buffers (tensors that are state but not
trained, e.g. BatchNorm's running mean) and child Modules. Assigning one as an attribute registers
it, so ``model.parameters()`` and ``model.state_dict()`` find everything by walking the tree.
"""

from collections import OrderedDict

from minigrad import dtypes
from minigrad.autograd import Op, no_grad
from minigrad.tensor import Tensor, empty, tensor


class Parameter(Tensor):
    """A tensor that is a model's learnable parameter: it requires grad, and Modules register it."""

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            data = empty(0)
        if not isinstance(data, Tensor):
            data = tensor(data)
        p = Tensor._wrap(data.array, data.device)
        p.__class__ = cls
        p.requires_grad = requires_grad
        return p

    def __init__(self, data=None, requires_grad=True):
        pass

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()


class Module:
    """Base class for layers and models: subclass it, create sub-modules and parameters in ``__init__``,
    and compute the output in ``forward``. Call the module (``model(x)``), not ``forward``, so hooks run."""

    def __init__(self):
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "_backward_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ---- registration -------------------------------------------------------------------
    def __setattr__(self, name, value):
        if "_parameters" not in self.__dict__:
            raise AttributeError("call super().__init__() before assigning attributes in a Module's __init__")
        if isinstance(value, (Parameter, Module)):
            for store in (self._parameters, self._buffers, self._modules):
                store.pop(name, None)
            (self._parameters if isinstance(value, Parameter) else self._modules)[name] = value
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer '{name}' (Tensor or None expected)")
            self._buffers[name] = value
        elif name in self._parameters or name in self._modules:
            if value is not None:
                kind = "parameter" if name in self._parameters else "child module"
                raise TypeError(f"cannot assign {type(value).__name__} as {kind} '{name}'")
            (self._parameters if name in self._parameters else self._modules)[name] = None
        else:
            object.__setattr__(self, name, value)
            return
        self.__dict__.pop(name, None)

    def __getattr__(self, name):
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"'{type(self).__name__}' object has no attribute '{name}'")

    def __delattr__(self, name):
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                return
        object.__delattr__(self, name)

    def register_parameter(self, name, param):
        """Register ``param`` (an nn.Parameter, or None for a missing one such as ``bias=False``) under ``name``."""
        if param is None:
            self._parameters[name] = None
        elif not isinstance(param, Parameter):
            raise TypeError(
                f"cannot assign {type(param).__name__} as parameter '{name}' (nn.Parameter or None expected)"
            )
        else:
            self._parameters[name] = param
        self.__dict__.pop(name, None)

    def register_buffer(self, name, tensor, persistent=True):
        """State that is saved in ``state_dict`` (unless ``persistent=False``) but not trained."""
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"cannot assign {type(tensor).__name__} as buffer '{name}' (Tensor or None expected)")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if not persistent:
            self._non_persistent.add(name)

    def add_module(self, name, module):
        """Register ``module`` as a child called ``name`` (what ``self.name = module`` does)."""
        self._modules[name] = module

    register_module = add_module

    # ---- walking the tree -------------------------------------------------------------------
    def named_modules(self, prefix=""):
        """(dotted name, module) for this module ("") and every submodule, depth first, each once."""
        seen = set()
        stack = [(prefix, self)]
        while stack:
            name, m = stack.pop(0)
            if id(m) in seen:
                continue
            seen.add(id(m))
            yield name, m
            children = [(f"{name}.{n}" if name else n, c) for n, c in m._modules.items() if c is not None]
            stack[:0] = children

    def modules(self):
        """This module and every submodule, depth first."""
        for _, m in self.named_modules():
            yield m

    def named_children(self):
        """(name, module) for the direct children."""
        for n, m in self._modules.items():
            if m is not None:
                yield n, m

    def children(self):
        """The direct child modules."""
        for _, m in self.named_children():
            yield m

    def named_parameters(self, prefix="", recurse=True):
        """(dotted name, Parameter) for every parameter (shared ones once); ``recurse=False``: this module's own."""
        seen = set()
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in mods:
            for n, p in m._parameters.items():
                if p is not None and id(p) not in seen:
                    seen.add(id(p))
                    yield (f"{mname}.{n}" if mname else n), p

    def parameters(self, recurse=True):
        """Every parameter (what an optimizer needs: ``optim.SGD(model.parameters(), lr=0.1)``)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix="", recurse=True):
        """(dotted name, tensor) for every buffer (e.g. BatchNorm's running statistics)."""
        mods = self.named_modules(prefix) if recurse else [(prefix, self)]
        for mname, m in mods:
            for n, b in m._buffers.items():
                if b is not None:
                    yield (f"{mname}.{n}" if mname else n), b

    def buffers(self, recurse=True):
        """Every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    def apply(self, fn):
        """Call ``fn(m)`` on every submodule and then on this one (e.g. a custom initialisation); returns self."""
        for m in self.children():
            m.apply(fn)
        fn(self)
        return self

    # ---- modes and gradients -----------------------------------------------------------------
    def train(self, mode=True):
        """Put this module and every submodule in training mode (``mode=False``: evaluation mode); returns self.
        Dropout and BatchNorm behave differently in the two modes."""
        for m in self.modules():
            object.__setattr__(m, "training", bool(mode))
        return self

    def eval(self):
        """Evaluation mode (``train(False)``): Dropout is the identity, BatchNorm uses its running statistics."""
        return self.train(False)

    def requires_grad_(self, requires_grad=True):
        """Set ``requires_grad`` on every parameter (``False``: freeze the module); returns self."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of every parameter (set to None, or to zeros with ``set_to_none=False``)."""
        for p in self.parameters():
            if set_to_none:
                p.grad = None
            elif p.grad is not None:
                p.grad.array[...] = 0

    # ---- dtype and device ----------------------------------------------------------------------
    def _convert(self, fn):
        # parameters keep their identity (an optimizer may already hold them): swap their values
        for m in self.modules():
            for p in m._parameters.values():
                if p is not None:
                    new = fn(p)
                    p.array, p.device = new.array, new.device
                    if p.grad is not None:
                        p.grad = fn(p.grad)
            for n, b in m._buffers.items():
                if b is not None:
                    m._buffers[n] = fn(b)
        return self

    def to(self, *args, dtype=None, device=None, non_blocking=False):
        """``model.to(mg.float64)``, ``model.to("cuda")``, ``model.to(mg.device(...))``: converts parameters
        and floating buffers in place (Parameters keep their identity); returns self. ``non_blocking`` is
        accepted for PyTorch's signature."""
        devices = [a for a in args if isinstance(a, str)] + ([device] if device else [])

        def convert(t):
            if t.dtype.kind != "f":  # integer buffers (num_batches_tracked) keep their dtype
                return t.detach().to(devices[0]) if devices else t
            return t.detach().to(*args, dtype=dtype, device=device)

        return self._convert(convert)

    def float(self):
        """Convert floating parameters and buffers to float32; returns self."""
        return self.to(dtypes.float32)

    def double(self):
        """Convert floating parameters and buffers to float64; returns self."""
        return self.to(dtypes.float64)

    def cpu(self):
        """Move parameters and buffers to the CPU; returns self."""
        return self.to("cpu")

    def cuda(self, device=None):
        """Move parameters and buffers to the GPU; returns self (``device``: "cuda", "cuda:0" or 0)."""
        return self.to("cuda" if device is None or isinstance(device, int) else device)

    # ---- state_dict ------------------------------------------------------------------------------
    def state_dict(self, destination=None, prefix="", keep_vars=False):
        """Every parameter and persistent buffer by dotted name (PyTorch's keys), in an OrderedDict.

        The values are detached tensors sharing memory with the module's, or, with ``keep_vars=True``,
        the Parameters and buffers themselves. ``destination`` (a dict to fill) and ``prefix`` (put before
        every key) are PyTorch's too."""
        out = OrderedDict() if destination is None else destination
        for mname, m in self.named_modules(prefix.rstrip(".")):
            for n, p in m._parameters.items():
                if p is not None:
                    out[f"{mname}.{n}" if mname else n] = p if keep_vars else p.detach()
            for n, b in m._buffers.items():
                if b is not None and n not in m._non_persistent:
                    out[f"{mname}.{n}" if mname else n] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict, strict=True):
        """Copy values from ``state_dict`` into this module's parameters and buffers (in place).

        With ``strict=True`` the keys must match exactly; shapes must always match. Nothing is
        changed unless every check passes.
        """
        if not hasattr(state_dict, "keys") or not hasattr(state_dict, "__getitem__"):
            raise TypeError(
                f"Expected state_dict to be dict-like (e.g. model.state_dict() or mg.load(path)), got "
                f"{type(state_dict).__name__}"
            )
        own = self.state_dict()
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        problems = []
        if strict and (missing or unexpected):
            if missing:
                problems.append("Missing key(s) in state_dict: " + ", ".join(f'"{k}"' for k in missing))
            if unexpected:
                problems.append("Unexpected key(s) in state_dict: " + ", ".join(f'"{k}"' for k in unexpected))
        given = {k: v if isinstance(v, Tensor) else tensor(v) for k, v in state_dict.items() if k in own}
        for k, target in own.items():
            if k in given:
                shape = given[k].shape
                if shape != target.shape:
                    problems.append(
                        f"size mismatch for {k}: copying a param with shape {shape} from checkpoint, "
                        f"the shape in current model is {target.shape}"
                    )
        if problems:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n\t" + "\n\t".join(problems))
        with no_grad():
            for k, target in own.items():
                if k in given:
                    target.copy_(given[k])  # copied onto the target's device and dtype
        return _IncompatibleKeys(missing, unexpected)

    # ---- calling, hooks --------------------------------------------------------------------------
    def forward(self, *args, **kwargs):
        """The computation of the module; subclasses define it. Call the module (``model(x)``), not forward."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args, **kwargs):
        for hook in list(self._forward_pre_hooks.values()):
            new = hook(self, args)
            if new is not None:
                args = new if isinstance(new, tuple) else (new,)
        state = _BackwardHookState(self) if self._backward_hooks else None
        if state:
            args = state.wrap_inputs(args)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            new = hook(self, args, out)
            if new is not None:
                out = new
        if state:
            out = state.wrap_outputs(out)
        return out

    def register_forward_hook(self, hook):
        """``hook(module, inputs, output)`` runs after every forward; a returned value replaces the output."""
        return _Handle(self._forward_hooks, hook)

    def register_forward_pre_hook(self, hook):
        """``hook(module, inputs)`` runs before every forward; a returned value replaces the inputs."""
        return _Handle(self._forward_pre_hooks, hook)

    def register_full_backward_hook(self, hook):
        """``hook(module, grad_input, grad_output)`` runs when the gradients with respect to the module's
        inputs are computed; a returned tuple replaces ``grad_input``."""
        return _Handle(self._backward_hooks, hook)

    # ---- printing ---------------------------------------------------------------------------------
    def extra_repr(self):
        """The module's settings shown inside its ``repr`` (subclasses override it)."""
        return ""

    def __repr__(self):
        lines = []
        extra = self.extra_repr()
        if extra:
            lines = extra.split("\n")
        for name, m in self._modules.items():
            sub = repr(m).replace("\n", "\n  ")
            lines.append(f"({name}): {sub}")
        if not self._modules:
            return f"{type(self).__name__}({extra})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self):
        return list(super().__dir__()) + list(self._parameters) + list(self._modules) + list(self._buffers)


class _IncompatibleKeys:
    def __init__(self, missing_keys, unexpected_keys):
        self.missing_keys, self.unexpected_keys = missing_keys, unexpected_keys

    def __repr__(self):
        if not self.missing_keys and not self.unexpected_keys:
            return "<All keys matched successfully>"
        return f"_IncompatibleKeys(missing_keys={self.missing_keys}, unexpected_keys={self.unexpected_keys})"


class _Handle:
    _next_id = 0

    def __init__(self, store, hook):
        _Handle._next_id += 1
        self.id = _Handle._next_id
        self.store = store
        store[self.id] = hook

    def remove(self):
        self.store.pop(self.id, None)


# ---- full backward hooks --------------------------------------------------------------------------
# The module's inputs and outputs pass through identity ops. The output-side op records
# grad_output; the input-side op, which sees every input's gradient at once, calls the hooks
# (or the output-side op does, when no input needs a gradient: grad_input is then all None).


class _BackwardHookState:
    def __init__(self, module):
        self.module = module
        self.grad_output = ()
        self.n_inputs = 0
        self.inputs_need_grad = False

    def wrap_inputs(self, args):
        tensors = [a for a in args if isinstance(a, Tensor)]
        self.n_inputs = len(tensors)
        self.inputs_need_grad = any(t.requires_grad for t in tensors)
        if not self.inputs_need_grad:
            return args
        outs = _HookIn.apply(*tensors, state=self)
        it = iter(outs if isinstance(outs, tuple) else (outs,))
        return tuple(next(it) if isinstance(a, Tensor) else a for a in args)

    def wrap_outputs(self, out):
        if isinstance(out, Tensor):
            return _HookOut.apply(out, state=self)
        wrapped = _HookOut.apply(*out, state=self)
        return wrapped if isinstance(wrapped, tuple) else (wrapped,)

    def fire(self, grad_input):
        as_tensor = lambda gs: tuple(Tensor._wrap(g) if g is not None else None for g in gs)  # noqa: E731
        grad_input, grad_output = as_tensor(grad_input), as_tensor(self.grad_output)
        for hook in list(self.module._backward_hooks.values()):
            new = hook(self.module, grad_input, grad_output)
            if new is not None:
                grad_input = tuple(new) if isinstance(new, (tuple, list)) else (new,)
        return tuple(g.array if isinstance(g, Tensor) else g for g in grad_input)


class _HookIn(Op):
    @staticmethod
    def forward(ctx, *arrays, state):
        ctx.state = state
        return arrays if len(arrays) > 1 else arrays[0]

    @staticmethod
    def backward(ctx, *grads):
        out = ctx.state.fire(grads)
        return out if len(out) > 1 else out[0]


class _HookOut(Op):
    @staticmethod
    def forward(ctx, *arrays, state):
        ctx.state = state
        return arrays if len(arrays) > 1 else arrays[0]

    @staticmethod
    def backward(ctx, *grads):
        state = ctx.state
        state.grad_output = grads
        if not state.inputs_need_grad:
            state.fire((None,) * state.n_inputs)
        return grads if len(grads) > 1 else grads[0]
