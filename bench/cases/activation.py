"""Activation rows: every activation on a (256, 16384) float32 tensor (4M elements), forward alone
and forward + backward (y = f(x); y.backward(g), the input's gradient).

minigrad runs its fused Numba kernels (one pass each way, float32 exp/log1p/erfc vectorised, see
minigrad/scalar_math.py); torch its own CPU kernels; numpy a plain NumPy implementation of the same
formulas (the textbook expressions, one temporary array per operation). Each framework runs in its
own process with the same thread count (bench/run.py).

What bounds the ReLU family: forward reads x and writes y, backward reads g and x and writes the
gradient, 5 x 16 MiB = 80 MiB per fwd+bwd, about 1.9 ms at this machine's ~45 GB/s copy bandwidth.
"""

from bench import Case

SHAPE = (256, 16384)


def _sig(np, x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def _erf(np):
    try:
        from scipy.special import erf
    except ImportError:  # NumPy has no erf: the slow but exact fallback
        import math

        erf = np.frompyfunc(math.erf, 1, 1)
    return lambda x: erf(x).astype(x.dtype)


# name: (minigrad functional call, torch functional call, numpy forward, numpy backward(g, x, y))
# The numpy formulas are the plain ones a student would write (stable where it costs nothing).
def _numpy_table(np):
    s2 = np.float32(np.sqrt(2 / np.pi))
    c = np.float32(0.044715)
    sa, ss = np.float32(1.6732632423543772), np.float32(1.0507009873554805)
    erf = None

    def gelu_f(x):
        nonlocal erf
        erf = erf or _erf(np)
        return 0.5 * x * (1 + erf(x * np.float32(0.7071067811865476)))

    def gelu_b(g, x, y):
        nonlocal erf
        erf = erf or _erf(np)
        cdf = 0.5 * (1 + erf(x * np.float32(0.7071067811865476)))
        return g * (cdf + x * np.exp(-0.5 * x * x) * np.float32(0.3989422804014327))

    def gelu_tanh_f(x):
        return 0.5 * x * (1 + np.tanh(s2 * (x + c * x**3)))

    def gelu_tanh_b(g, x, y):
        t = np.tanh(s2 * (x + c * x**3))
        return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * s2 * (1 + 3 * c * x * x))

    def softplus_f(x):
        return np.where(x > 20, x, np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x))))

    def mish_f(x):
        return x * np.tanh(softplus_f(x))

    def mish_b(g, x, y):
        t = np.tanh(softplus_f(x))
        return g * (t + x * _sig(np, x) * (1 - t * t))

    return {
        "sigmoid": (lambda x: _sig(np, x), lambda g, x, y: g * y * (1 - y)),
        "tanh": (np.tanh, lambda g, x, y: g * (1 - y * y)),
        "relu": (lambda x: np.maximum(x, 0), lambda g, x, y: g * (x > 0)),
        "leaky_relu": (lambda x: np.where(x > 0, x, np.float32(0.01) * x),
                       lambda g, x, y: g * np.where(x > 0, np.float32(1), np.float32(0.01))),
        "prelu": (lambda x: np.where(x > 0, x, np.float32(0.25) * x),
                  lambda g, x, y: (g * np.where(x > 0, np.float32(1), np.float32(0.25)),
                                   np.sum(np.where(x > 0, 0, g * x)))),
        "elu": (lambda x: np.where(x > 0, x, np.expm1(x)), lambda g, x, y: g * np.where(x > 0, 1, np.exp(x))),
        "selu": (lambda x: ss * np.where(x > 0, x, sa * np.expm1(x)),
                 lambda g, x, y: g * ss * np.where(x > 0, 1, sa * np.exp(x))),
        "celu": (lambda x: np.where(x > 0, x, np.expm1(x)), lambda g, x, y: g * np.where(x > 0, 1, np.exp(x))),
        "relu6": (lambda x: np.clip(x, 0, 6), lambda g, x, y: g * ((x > 0) & (x < 6))),
        "hardtanh": (lambda x: np.clip(x, -1, 1), lambda g, x, y: g * ((x > -1) & (x < 1))),
        "silu": (lambda x: x * _sig(np, x),
                 lambda g, x, y: g * _sig(np, x) * (1 + x * (1 - _sig(np, x)))),
        "swish": (lambda x: x * _sig(np, np.float32(1.5) * x),
                  lambda g, x, y: g * _sig(np, np.float32(1.5) * x)
                  * (1 + np.float32(1.5) * x * (1 - _sig(np, np.float32(1.5) * x)))),
        "mish": (mish_f, mish_b),
        "gelu": (gelu_f, gelu_b),
        "gelu_tanh": (gelu_tanh_f, gelu_tanh_b),
        "softplus": (softplus_f, lambda g, x, y: g * np.where(x > 20, 1, _sig(np, x))),
        "softsign": (lambda x: x / (1 + np.abs(x)), lambda g, x, y: g / (1 + np.abs(x)) ** 2),
        "hardsigmoid": (lambda x: np.clip(x + 3, 0, 6) / 6, lambda g, x, y: g * ((x > -3) & (x < 3)) / 6),
        "hardswish": (lambda x: x * np.clip(x + 3, 0, 6) / 6,
                      lambda g, x, y: g * np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1))),
        "maxout": (lambda x: x.reshape(x.shape[0], -1, 2).max(axis=2),
                   lambda g, x, y: (x.reshape(x.shape[0], -1, 2)
                                    == y[..., None]).reshape(x.shape) * np.repeat(g, 2, axis=1)),
    }  # fmt: skip


def _mg_fn(name):
    import minigrad as mg
    import minigrad.nn.functional as F

    w = mg.tensor([0.25], requires_grad=True)
    return {
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "prelu": lambda x: F.prelu(x, w),
        "swish": lambda x: F.swish(x, 1.5),
        "maxout": lambda x: F.maxout(x, 2),
    }.get(name) or getattr(F, name)


def _torch_fn(name):
    import torch
    import torch.nn.functional as F

    w = torch.tensor([0.25], requires_grad=True)
    return {
        "gelu_tanh": lambda x: F.gelu(x, approximate="tanh"),
        "prelu": lambda x: F.prelu(x, w),
        "swish": lambda x: x * torch.sigmoid(1.5 * x),  # PyTorch has no Swish(beta): the composite
        "maxout": lambda x: x.view(x.shape[0], -1, 2).max(dim=2).values,  # nor Maxout
        "sigmoid": torch.sigmoid,
        "tanh": torch.tanh,
    }.get(name) or getattr(F, name)


NAMES = [
    "relu", "leaky_relu", "prelu", "relu6", "hardtanh", "hardsigmoid", "hardswish", "sigmoid", "tanh", "elu",
    "selu", "celu", "silu", "swish", "mish", "gelu", "gelu_tanh", "softplus", "softsign", "maxout",
]  # fmt: skip


def _data():
    import numpy as np

    rng = np.random.default_rng(0)
    x = rng.standard_normal(SHAPE, dtype=np.float32) * 3
    g = rng.standard_normal(SHAPE, dtype=np.float32)
    return x, g


def _minigrad(name, backward):
    def factory():
        import minigrad as mg

        x, g = _data()
        fn = _mg_fn(name)
        xt = mg.tensor(x, requires_grad=backward)
        if not backward:
            return lambda: fn(xt)
        y0 = fn(xt)
        gt = mg.tensor(g[: y0.shape[0], : y0.shape[1]].copy())

        def step():
            xt.grad = None
            fn(xt).backward(gt)

        return step

    return factory


def _torch(name, backward):
    def factory():
        import torch

        x, g = _data()
        fn = _torch_fn(name)
        xt = torch.from_numpy(x).requires_grad_(backward)
        if not backward:

            def fwd():
                with torch.no_grad():
                    return fn(xt)

            return fwd
        y0 = fn(xt)
        gt = torch.from_numpy(g[: y0.shape[0], : y0.shape[1]].copy())

        def step():
            xt.grad = None
            fn(xt).backward(gt)

        return step

    return factory


def _numpy(name, backward):
    def factory():
        import numpy as np

        x, g = _data()
        fwd, bwd = _numpy_table(np)[name]
        g = g[:, : fwd(x[:1]).shape[1]].copy()

        def step():
            with np.errstate(all="ignore"):
                y = fwd(x)
                if backward:
                    bwd(g, x, y)

        return step

    return factory


def cases():
    for name in NAMES:
        for backward in (False, True):
            label = f"act {name} (256,16384) {'fwd+bwd' if backward else 'fwd'} f32"
            yield Case(label, minigrad=_minigrad(name, backward), torch=_torch(name, backward),
                       numpy=_numpy(name, backward))  # fmt: skip
