"""Optimizers with a per-parameter step size from the history of the gradients: Adagrad, Adadelta, RMSprop.

Each divides the gradient by a running root-mean-square of past gradients, so parameters with large
gradients take smaller steps. The update rules are PyTorch's, step for step. They are written with
the parameter's array namespace (``xp``: NumPy on the CPU), in place, one parameter at a time;
unlike SGD and Adam they have no fused kernel. ``g`` is the gradient, after ``maximize`` (g = -g) and
``weight_decay`` (g = g + weight_decay * p).
"""

from minigrad.backends import backend_for
from minigrad.optim import Optimizer

__all__ = ["Adagrad", "Adadelta", "RMSprop"]


def _check(name, **values):
    for key, value in values.items():
        if not value >= 0:  # also refuses NaN
            raise ValueError(f"{name}: invalid {key}={value} (must be >= 0)")


class _Adaptive(Optimizer):
    """The shared part of the three: g after maximize and weight decay, the state, the step count; each
    subclass's ``_rule(group, state, p, g, xp)`` updates the array p in place."""

    def _update(self, group, p):
        xp = backend_for(p.device).xp
        g = p.grad.array
        if group["maximize"]:
            g = -g
        if group["weight_decay"] != 0:
            g = g + group["weight_decay"] * p.array
        state = self.state.setdefault(id(p), {})
        if "step" not in state:
            self._init_state(group, state, p, xp)
        state["step"] += 1
        self._rule(group, state, p.array, g, xp)


class Adagrad(_Adaptive):
    """Adagrad (Duchi et al. 2011): the step shrinks with the sum of all past squared gradients.

    sum = sum + g^2            (starts at initial_accumulator_value)
    p   = p - lr_t * g / (sqrt(sum) + eps),   lr_t = lr / (1 + (t - 1) lr_decay)
    """

    def __init__(
        self, params, lr=1e-2, lr_decay=0.0, weight_decay=0.0, initial_accumulator_value=0.0, eps=1e-10, *,
        maximize=False,
    ):  # fmt: skip
        _check("Adagrad", lr=lr, lr_decay=lr_decay, weight_decay=weight_decay, eps=eps,
               initial_accumulator_value=initial_accumulator_value)  # fmt: skip
        defaults = dict(lr=lr, lr_decay=lr_decay, eps=eps, weight_decay=weight_decay,
                        initial_accumulator_value=initial_accumulator_value, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)
        for group in self.param_groups:  # PyTorch creates Adagrad's state at once, not at the first step
            for p in group["params"]:
                self._init_state(group, self.state.setdefault(id(p), {}), p, backend_for(p.device).xp)

    @staticmethod
    def _init_state(group, state, p, xp):
        state["step"] = 0
        state["sum"] = xp.full(p.shape, group["initial_accumulator_value"], dtype=p.dtype)

    @staticmethod
    def _rule(group, state, p, g, xp):
        clr = group["lr"] / (1 + (state["step"] - 1) * group["lr_decay"])
        state["sum"] += g * g
        std = xp.sqrt(state["sum"])
        std += group["eps"]
        p -= clr * g / std


class Adadelta(_Adaptive):
    """Adadelta (Zeiler 2012): the step is the ratio of two running RMS, of past updates and of gradients.

    v     = rho v + (1 - rho) g^2
    delta = sqrt(u + eps) / sqrt(v + eps) * g
    u     = rho u + (1 - rho) delta^2
    p     = p - lr * delta
    """

    def __init__(self, params, lr=1.0, rho=0.9, eps=1e-6, weight_decay=0.0, *, maximize=False):
        _check("Adadelta", lr=lr, eps=eps, weight_decay=weight_decay)
        if not 0.0 <= rho <= 1.0:
            raise ValueError(f"Adadelta: invalid rho={rho} (must be in [0, 1])")
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay, maximize=maximize))

    @staticmethod
    def _init_state(group, state, p, xp):
        state["step"] = 0
        state["square_avg"] = xp.zeros(p.shape, dtype=p.dtype)
        state["acc_delta"] = xp.zeros(p.shape, dtype=p.dtype)

    @staticmethod
    def _rule(group, state, p, g, xp):
        rho, eps = group["rho"], group["eps"]
        v, u = state["square_avg"], state["acc_delta"]
        v *= rho
        v += (1 - rho) * g * g
        delta = xp.sqrt(u + eps) / xp.sqrt(v + eps) * g
        u *= rho
        u += (1 - rho) * delta * delta
        p -= group["lr"] * delta


class RMSprop(_Adaptive):
    """RMSprop (Hinton's lecture 6e): divide by a running RMS of the gradients.

    v = alpha v + (1 - alpha) g^2
    centered:  m = m + (1 - alpha) (g - m),  v_hat = v - m^2   (else v_hat = v)
    d = g / (sqrt(v_hat) + eps)
    momentum:  buf = momentum buf + d,  p = p - lr buf         (else p = p - lr d)
    """

    def __init__(
        self, params, lr=1e-2, alpha=0.99, eps=1e-8, weight_decay=0.0, momentum=0.0, centered=False, *,
        maximize=False,
    ):  # fmt: skip
        _check("RMSprop", lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay, momentum=momentum)
        defaults = dict(lr=lr, momentum=momentum, alpha=alpha, eps=eps, centered=centered,
                        weight_decay=weight_decay, maximize=maximize)  # fmt: skip
        super().__init__(params, defaults)

    @staticmethod
    def _init_state(group, state, p, xp):
        state["step"] = 0
        state["square_avg"] = xp.zeros(p.shape, dtype=p.dtype)
        if group["momentum"] > 0:
            state["momentum_buffer"] = xp.zeros(p.shape, dtype=p.dtype)
        if group["centered"]:
            state["grad_avg"] = xp.zeros(p.shape, dtype=p.dtype)

    @staticmethod
    def _rule(group, state, p, g, xp):
        alpha, v = group["alpha"], state["square_avg"]
        v *= alpha
        v += (1 - alpha) * g * g
        if group["centered"]:
            m = state["grad_avg"]
            m += (1 - alpha) * (g - m)
            avg = xp.sqrt(v - m * m)
        else:
            avg = xp.sqrt(v)
        avg += group["eps"]
        if group["momentum"] > 0:
            buf = state["momentum_buffer"]
            buf *= group["momentum"]
            buf += g / avg
            p -= group["lr"] * buf
        else:
            p -= group["lr"] * g / avg
