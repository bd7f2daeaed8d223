"""Optimizers: SGD (with momentum, dampening, Nesterov, weight decay), Adam and AdamW here; Adagrad,
Adadelta and RMSprop in ``adaptive.py``; learning-rate schedules in ``lr_scheduler.py``.

The update rules are PyTorch's, step for step, so a model trained with minigrad and one trained with
PyTorch from the same weights follow the same path. SGD and Adam update each parameter in place by
one fused kernel pass (``backends/cpu/optim_kernels.py``). ``state_dict()`` / ``load_state_dict()``
use PyTorch's layout, so an optimizer's state goes into a checkpoint next to the model's.
"""

import numpy as np

from minigrad.autograd import enable_grad, no_grad
from minigrad.backends import backend_for

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "Adagrad", "Adadelta", "RMSprop", "lr_scheduler"]


class Optimizer:
    """Holds parameter groups (lists of parameters with their own hyper-parameters) and per-parameter state."""

    def __init__(self, params, defaults):
        if isinstance(params, (dict,)) or hasattr(params, "shape"):
            raise TypeError(
                f"{type(self).__name__}: params must be an iterable of tensors or of dicts (parameter groups), "
                f"got a {type(params).__name__}; pass model.parameters()"
            )
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        self.state = {}  # id(parameter) -> {name: array or number}
        for g in groups:
            self.add_param_group(g)

    def add_param_group(self, param_group):
        """Add a group of parameters with its own hyper-parameters (the others from the defaults)."""
        group = dict(self.defaults)
        group.update(param_group)
        params = group["params"]
        group["params"] = [params] if hasattr(params, "shape") else list(params)
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for p in group["params"]:
            if not getattr(p, "requires_grad", False):
                raise ValueError("optimizer can only optimize tensors that require grad (leaf Parameters)")
            if id(p) in seen:
                raise ValueError("some parameters appear in more than one parameter group")
            seen.add(id(p))
        self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of the last backward (they accumulate otherwise)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.array[...] = 0

    @no_grad()
    def step(self, closure=None):
        """One update of every parameter that has a gradient (``closure``: re-evaluate the model first and
        return its loss, as in PyTorch)."""
        loss = self._closure_loss(closure)
        for group, p in self._params_with_grad():
            self._update(group, p)
            self._bump(p)
        return loss

    def _update(self, group, p):
        """Update parameter ``p`` in place from ``p.grad`` and its state (each optimizer's rule)."""
        raise NotImplementedError

    def _params_with_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    yield group, p

    @staticmethod
    def _closure_loss(closure):
        """PyTorch's ``step(closure)``: re-evaluate the model (with gradients on) and return its loss."""
        if closure is None:
            return None
        with enable_grad():
            return closure()

    @staticmethod
    def _bump(p):
        p._version.value += 1  # the kernels write p in place: graphs that saved p must notice

    # ---- checkpoints, in PyTorch's layout ----------------------------------------------------------
    def state_dict(self):
        """``{"state": {i: {name: value}}, "param_groups": [{hyper-parameters, "params": [i, ...]}]}``, where i
        numbers the parameters in group order (PyTorch's layout). State arrays become tensors that share
        memory with the optimizer's; ``step`` is a 0-d float32 tensor, as in PyTorch."""
        from minigrad.tensor import Tensor, tensor

        index, groups = {}, []
        for group in self.param_groups:
            packed = {k: v for k, v in group.items() if k != "params"}
            packed["params"] = [index.setdefault(id(p), len(index)) for p in group["params"]]
            groups.append(packed)
        devices = {id(p): p.device for g in self.param_groups for p in g["params"]}
        state = {}
        for key, entries in self.state.items():
            state[index[key]] = {
                k: tensor(float(v)) if k == "step" else Tensor._wrap(v, devices[key]) if hasattr(v, "shape") else v
                for k, v in entries.items()
            }
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict):
        """Restore what ``state_dict()`` returned (also PyTorch's own optimizer state dicts): the
        hyper-parameters of every group and each parameter's state, converted to its dtype and device."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or not {"state", "param_groups"} <= set(state_dict):
            what = (
                f"a dict with keys {sorted(state_dict)}" if isinstance(state_dict, dict) else type(state_dict).__name__
            )
            raise TypeError(
                f"{name}.load_state_dict: expected optimizer.state_dict() (a dict with 'state' and 'param_groups'), "
                f"got {what}"
            )
        saved_groups = state_dict["param_groups"]
        if len(saved_groups) != len(self.param_groups):
            raise ValueError(
                f"{name}.load_state_dict: the state has {len(saved_groups)} parameter groups, this optimizer "
                f"{len(self.param_groups)}"
            )
        params = {}
        for i, (group, saved) in enumerate(zip(self.param_groups, saved_groups)):
            if len(group["params"]) != len(saved["params"]):
                raise ValueError(
                    f"{name}.load_state_dict: parameter group {i} has {len(saved['params'])} parameters in the "
                    f"state and {len(group['params'])} here"
                )
            params.update(zip(saved["params"], group["params"]))
        state = {}
        for i, entries in state_dict["state"].items():
            if i not in params:
                raise ValueError(f"{name}.load_state_dict: the state names parameter {i!r}, which no group has")
            p = params[i]
            state[id(p)] = {k: _state_value(name, k, v, p) for k, v in entries.items()}
        for group, saved in zip(self.param_groups, saved_groups):
            group.update({k: v for k, v in saved.items() if k != "params"})
        self.state = state

    def __repr__(self):
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            lines += [f"    {k}: {v}" for k, v in sorted(group.items()) if k != "params"]
        return "\n".join(lines) + "\n)"


def _state_value(opt, key, value, p):
    """A loaded state entry as the optimizer keeps it: ``step`` an int, arrays on p's device in p's dtype."""
    if key == "step":
        return int(float(value))
    if value is None or isinstance(value, (bool, int, float)):
        return value
    from minigrad.tensor import Tensor, tensor

    t = value.detach() if isinstance(value, Tensor) else tensor(value)  # also a PyTorch tensor or an array
    if t.shape != p.shape:
        raise ValueError(f"{opt}.load_state_dict: state {key!r} has shape {t.shape}, its parameter {p.shape}")
    t = t.to(p.device)
    return backend_for(p.device).xp.array(t.array, dtype=p.dtype if t.dtype.kind == "f" else t.dtype)  # a copy


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's rule:

    d = grad + weight_decay * p
    buf = d                                   (first step)
    buf = momentum * buf + (1 - dampening) * d  (later steps)
    d = d + momentum * buf  if nesterov  else  buf
    p = p - lr * d
    Reference: ``minigrad/backends/numpy/optim.py`` (sgd_step).
    """

    def __init__(
        self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False, *, maximize=False
    ):
        if not (lr >= 0 and momentum >= 0 and weight_decay >= 0):  # (written so that NaN fails too)
            raise ValueError(f"SGD: invalid lr={lr}, momentum={momentum} or weight_decay={weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        defaults = dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        super().__init__(params, dict(defaults, maximize=maximize))

    def _update(self, group, p):
        state = self.state.setdefault(id(p), {}) if group["momentum"] != 0 else {}
        first = state.get("momentum_buffer") is None
        backend = backend_for(p.device)
        if group["momentum"] != 0 and first:
            state["momentum_buffer"] = backend.empty(p.shape, p.dtype)  # the kernel's first step fills it
        backend.sgd_step(
            p.array,
            -p.grad.array if group["maximize"] else p.grad.array,
            state.get("momentum_buffer"),
            group["lr"],
            group["momentum"],
            group["dampening"],
            group["weight_decay"],
            group["nesterov"],
            first,
        )


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), PyTorch's rule, with t the step count:

    g = grad + weight_decay * p            (Adam's L2 penalty; AdamW decays p directly instead)
    m = beta1 m + (1 - beta1) g            v = beta2 v + (1 - beta2) g^2
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    Reference: ``minigrad/backends/numpy/optim.py`` (adam_step).
    """

    decoupled = False

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False, *, maximize=False
    ):
        if not (lr >= 0 and eps >= 0 and 0 <= betas[0] < 1 and 0 <= betas[1] < 1 and weight_decay >= 0):  # NaN fails
            raise ValueError(
                f"{type(self).__name__}: invalid lr={lr}, betas={betas}, eps={eps} or weight_decay={weight_decay}"
            )
        defaults = dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad)
        super().__init__(params, dict(defaults, maximize=maximize))

    def _update(self, group, p):
        state = self.state.setdefault(id(p), {})
        backend = backend_for(p.device)  # the state lives on the parameter's device
        if not state:
            state["step"] = 0
            state["exp_avg"] = backend.zeros(p.shape, p.dtype)
            state["exp_avg_sq"] = backend.zeros(p.shape, p.dtype)
            if group["amsgrad"]:
                state["max_exp_avg_sq"] = backend.zeros(p.shape, p.dtype)
        state["step"] += 1
        beta1, beta2 = group["betas"]
        backend.adam_step(
            p.array,
            -p.grad.array if group["maximize"] else p.grad.array,
            state["exp_avg"],
            state["exp_avg_sq"],
            state.get("max_exp_avg_sq"),
            state["step"],
            group["lr"],
            beta1,
            beta2,
            group["eps"],
            group["weight_decay"],
            self.decoupled,
            group["amsgrad"],
        )


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019): p = p (1 - lr weight_decay) before
    the Adam step, instead of adding weight_decay * p to the gradient. Default weight_decay 0.01."""

    decoupled = True

    def __init__(
        self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False, *, maximize=False
    ):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize)


from minigrad.optim import lr_scheduler  # noqa: E402
from minigrad.optim.adaptive import Adadelta, Adagrad, RMSprop  # noqa: E402
