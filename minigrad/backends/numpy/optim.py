"""SGD and Adam updates in plain NumPy, in place on the parameter and its state (PyTorch's rules).

The reference for ``minigrad/optim.py``, whose docstrings derive the rules; computed in the
parameter's dtype.
"""

import math

import numpy as np

from minigrad.backends import checks

__all__ = ["sgd_step", "adam_step"]


def sgd_step(param, grad, buf, lr, momentum, dampening, weight_decay, nesterov, first):
    """d = grad + weight_decay p;  buf = d (first step) or momentum buf + (1 - dampening) d;
    d = d + momentum buf (Nesterov) or buf;  p = p - lr d."""
    checks.optimizer_arrays("sgd_step", param, grad, buf=buf)
    d = grad + weight_decay * param if weight_decay != 0 else grad
    if momentum != 0:
        buf[...] = d if first else momentum * buf + (1 - dampening) * d
        d = d + momentum * buf if nesterov else buf
    param -= lr * d


def adam_step(param, grad, m, v, vmax, step, lr, beta1, beta2, eps, weight_decay, decoupled, amsgrad):
    """m = beta1 m + (1 - beta1) g;  v = beta2 v + (1 - beta2) g^2  (vmax = max(vmax, v) with amsgrad);
    p = p - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps),  t = step.

    Weight decay: Adam adds weight_decay p to g; AdamW (decoupled) first shrinks p by (1 - lr weight_decay).
    """
    checks.optimizer_arrays("adam_step", param, grad, m=m, v=v, vmax=vmax)
    if decoupled:
        param *= 1 - lr * weight_decay
    elif weight_decay != 0:
        grad = grad + weight_decay * param
    m[...] = beta1 * m + (1 - beta1) * grad
    v[...] = beta2 * v + (1 - beta2) * grad * grad
    if amsgrad:
        np.maximum(vmax, v, out=vmax)
    denom = np.sqrt(vmax if amsgrad else v) / math.sqrt(1 - beta2**step) + eps
    param -= lr / (1 - beta1**step) * m / denom
