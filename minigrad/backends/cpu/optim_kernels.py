"""In-place optimizer updates: one pass over each parameter, its gradient and its state.

Written as PyTorch writes them (``torch/optim/sgd.py``, ``adam.py``), so minigrad's optimizers
match PyTorch's step for step. Each element is independent: ``prange`` over elements, no races.
The wrappers check that the gradient and every state buffer have the parameter's shape and dtype,
and that what is written is writeable and contiguous, before a kernel indexes them.
"""

import math

import numpy as np

from minigrad.backends import checks
from minigrad.backends.cpu.jit import pick, prange, serial_and_parallel

KERNELS = ("sgd_step", "adam_step")


def _sgd(p, g, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    for i in prange(p.size):
        d = g[i] + weight_decay * p[i] if weight_decay != 0.0 else g[i]  # (0 * inf would be NaN)
        if momentum != 0.0:
            if first:
                b = d
            else:
                b = momentum * buf[i] + (1.0 - dampening) * d
            buf[i] = b
            d = d + momentum * b if nesterov else b
        p[i] = p[i] - lr * d


def _adam(p, g, m, v, vmax, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad, bc1, bc2_sqrt):
    for i in prange(p.size):
        gi = g[i]
        if decoupled:
            p[i] = p[i] * (1.0 - lr * weight_decay)  # AdamW: decay the weight itself
        elif weight_decay != 0.0:
            gi = gi + weight_decay * p[i]  # Adam: L2 penalty in the gradient
        mi = beta1 * m[i] + (1.0 - beta1) * gi
        vi = beta2 * v[i] + (1.0 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        if amsgrad:
            if not vi <= vmax[i]:  # a NaN v wins, as in torch.maximum
                vmax[i] = vi
            vi = vmax[i]
        denom = math.sqrt(vi) / bc2_sqrt + eps
        p[i] = p[i] - (lr / bc1) * mi / denom


_sgd_kernels = serial_and_parallel(_sgd)
_adam_kernels = serial_and_parallel(_adam)


def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    """p <- p - lr * d, with d the gradient after weight decay, momentum and Nesterov (PyTorch's SGD).

    param, grad and buf (the momentum buffer; None without momentum) share one shape and dtype;
    param and buf are updated in place."""
    checks.optimizer_arrays("sgd_step", param, grad, buf=buf)
    if buf is None and momentum != 0.0:
        raise ValueError("sgd_step(): momentum needs a buffer (buf), got None")
    p, g = param.reshape(-1), np.ascontiguousarray(grad).reshape(-1)
    b = buf.reshape(-1) if buf is not None else p[:0]
    pick(_sgd_kernels, p.size)(
        p, g, b, float(lr), float(momentum), float(dampening), float(weight_decay), bool(nesterov), bool(first)
    )


def adam_step(param, grad, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad):
    """One Adam/AdamW update of ``param`` and its moment estimates ``m`` and ``v``, in place.

    step counts from 1 (the bias corrections divide by 1 - beta^step); vmax (amsgrad's running max
    of v) is None unless amsgrad."""
    checks.optimizer_arrays("adam_step", param, grad, m=m, v=v, vmax=vmax)
    if amsgrad and vmax is None:
        raise ValueError("adam_step(): amsgrad needs vmax, got None")
    p, g = param.reshape(-1), np.ascontiguousarray(grad).reshape(-1)
    m_, v_ = m.reshape(-1), v.reshape(-1)
    vm = vmax.reshape(-1) if vmax is not None else p[:0]
    if int(step) != step or step < 1:
        raise ValueError(f"adam_step(): step counts updates from 1, got {step}")
    bc1 = 1.0 - beta1**step
    bc2_sqrt = math.sqrt(1.0 - beta2**step)
    pick(_adam_kernels, p.size)(
        p,
        g,
        m_,
        v_,
        vm,
        float(lr),
        float(beta1),
        float(beta2),
        float(eps),
        float(weight_decay),
        bool(decoupled),
        bool(amsgrad),
        bc1,
        bc2_sqrt,
    )


def warmup():
    for dtype in (np.float32, np.float64):
        for n in (3, 70000):
            p, g = np.ones(n, dtype), np.ones(n, dtype)
            sgd_step(p, g, np.zeros(n, dtype), 0.1, 0.9, 0.0, 0.0, False, True)
            sgd_step(p, g, None, 0.1, 0.0, 0.0, 0.0, False, True)
            adam_step(p, g, np.zeros(n, dtype), np.zeros(n, dtype), None, 1, 1e-3, 0.9, 0.999, 1e-8, 0.0, False, False)
            adam_step(
                p,
                g,
                np.zeros(n, dtype),
                np.zeros(n, dtype),
                np.zeros(n, dtype),
                1,
                1e-3,
                0.9,
                0.999,
                1e-8,
                0.01,
                True,
                True,
            )
