"""Optimizers: SGD (with momentum, dampening, Nesterov, weight decay), Adam and AdamW.

The update rules are PyTorch's, step for step, so a model trained with minigrad and one trained with
PyTorch from the same weights follow the same path. Each parameter is updated in place by one fused
kernel pass (``backends/cpu/optim_kernels.py``).
"""

from minigrad.autograd import no_grad
from minigrad.backends import backend_for

__all__ = ["Optimizer", "SGD", "Adam", "AdamW"]


class Optimizer:
    """Holds parameter groups (lists of parameters with their own hyper-parameters) and per-parameter state."""

    def __init__(self, params, defaults):
        params = list(params)
        if not params:
            raise ValueError("optimizer got an empty parameter list")
        groups = params if isinstance(params[0], dict) else [{"params": params}]
        self.defaults = defaults
        self.param_groups = []
        self.state = {}
        for g in groups:
            group = dict(defaults)
            group.update(g)
            group["params"] = list(group["params"])
            for p in group["params"]:
                if not getattr(p, "requires_grad", False):
                    raise ValueError("optimizer can only optimize tensors that require grad (leaf Parameters)")
            self.param_groups.append(group)

    def zero_grad(self, set_to_none=True):
        """Forget the gradients of the last backward (they accumulate otherwise)."""
        for group in self.param_groups:
            for p in group["params"]:
                if set_to_none:
                    p.grad = None
                elif p.grad is not None:
                    p.grad.array[...] = 0

    def _params_with_grad(self):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    yield group, p

    @staticmethod
    def _bump(p):
        p._version.value += 1  # the kernels write p in place: graphs that saved p must notice


class SGD(Optimizer):
    """Stochastic gradient descent, PyTorch's rule:

    d = grad + weight_decay * p
    buf = d                                   (first step)
    buf = momentum * buf + (1 - dampening) * d  (later steps)
    d = d + momentum * buf  if nesterov  else  buf
    p = p - lr * d
    Reference: ``minigrad/backends/numpy/optim.py`` (sgd_step).
    """

    def __init__(self, params, lr=1e-3, momentum=0.0, dampening=0.0, weight_decay=0.0, nesterov=False):
        if lr < 0 or momentum < 0 or weight_decay < 0:
            raise ValueError(f"SGD: invalid lr={lr}, momentum={momentum} or weight_decay={weight_decay}")
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")
        super().__init__(
            params, dict(lr=lr, momentum=momentum, dampening=dampening, weight_decay=weight_decay, nesterov=nesterov)
        )

    @no_grad()
    def step(self):
        for group, p in self._params_with_grad():
            state = self.state.setdefault(id(p), {})
            first = "momentum_buffer" not in state
            backend = backend_for(p.device)
            if group["momentum"] != 0 and first:
                state["momentum_buffer"] = backend.empty(p.shape, p.dtype)  # the kernel's first step fills it
            backend.sgd_step(
                p.array,
                p.grad.array,
                state.get("momentum_buffer"),
                group["lr"],
                group["momentum"],
                group["dampening"],
                group["weight_decay"],
                group["nesterov"],
                first,
            )
            self._bump(p)


class Adam(Optimizer):
    """Adam (Kingma & Ba 2015), PyTorch's rule, with t the step count:

    g = grad + weight_decay * p            (Adam's L2 penalty; AdamW decays p directly instead)
    m = beta1 m + (1 - beta1) g            v = beta2 v + (1 - beta2) g^2
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)
    Reference: ``minigrad/backends/numpy/optim.py`` (adam_step).
    """

    decoupled = False

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0, amsgrad=False):
        if lr < 0 or eps < 0 or not (0 <= betas[0] < 1 and 0 <= betas[1] < 1) or weight_decay < 0:
            raise ValueError(
                f"{type(self).__name__}: invalid lr={lr}, betas={betas}, eps={eps} or weight_decay={weight_decay}"
            )
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, weight_decay=weight_decay, amsgrad=amsgrad))

    @no_grad()
    def step(self):
        for group, p in self._params_with_grad():
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
                p.grad.array,
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
            self._bump(p)


class AdamW(Adam):
    """Adam with decoupled weight decay (Loshchilov & Hutter 2019): p = p (1 - lr weight_decay) before
    the Adam step, instead of adding weight_decay * p to the gradient. Default weight_decay 0.01."""

    decoupled = True

    def __init__(self, params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False):
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad)
