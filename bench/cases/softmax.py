"""Softmax-family rows: forward + backward of the fused row kernels, float32.

    softmax, log_softmax over the last dim of (4096, 1000)      (ImageNet-sized classifier heads)
    cross_entropy of (4096, 1000) logits and of (65536, 10)     (many short rows: MNIST-sized heads)

minigrad runs its fused Numba row kernels (minigrad/backends/cpu/softmax_kernels.py); torch its own
CPU kernels; numpy the textbook formulas (shift by the row max, exp, sum, divide or log).
"""

from bench import Case

# name, (rows, classes), op
ROWS = [
    ("softmax (4096,1000) fwd+bwd f32", (4096, 1000), "softmax"),
    ("log_softmax (4096,1000) fwd+bwd f32", (4096, 1000), "log_softmax"),
    ("cross_entropy (4096,1000) fwd+bwd f32", (4096, 1000), "cross_entropy"),
    ("cross_entropy (65536,10) fwd+bwd f32", (65536, 10), "cross_entropy"),
]


def _data(shape):
    import numpy as np

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape, dtype=np.float32) * 3).astype(np.float32)
    g = rng.standard_normal(shape, dtype=np.float32)
    t = rng.integers(0, shape[1], shape[0])
    return x, g, t


def _framework(module_name, shape, op):
    """The same step for minigrad and torch: their APIs agree (F.softmax(x, dim=1), ...)."""

    def factory():
        import importlib

        lib = importlib.import_module(module_name)
        F = importlib.import_module(module_name + ".nn.functional")
        x, g, t = _data(shape)
        xt = lib.tensor(x, requires_grad=True)
        gt, tt = lib.tensor(g), lib.tensor(t)

        def step():
            xt.grad = None
            if op == "cross_entropy":
                F.cross_entropy(xt, tt).backward()
            else:
                getattr(F, op)(xt, dim=1).backward(gt)

        return step

    return factory


def _numpy(shape, op):
    def factory():
        import numpy as np

        x, g, t = _data(shape)
        rows = np.arange(shape[0])

        def step():
            z = x - x.max(axis=1, keepdims=True)
            e = np.exp(z)
            s = e.sum(axis=1, keepdims=True)
            if op == "softmax":
                y = e / s
                return y * (g - (g * y).sum(axis=1, keepdims=True))
            logp = z - np.log(s)
            if op == "log_softmax":
                return g - np.exp(logp) * g.sum(axis=1, keepdims=True)
            loss = -logp[rows, t].mean()  # noqa: F841  (the forward output)
            dx = np.exp(logp)
            dx[rows, t] -= 1.0
            return dx / shape[0]

        return step

    return factory


def cases():
    for name, shape, op in ROWS:
        mg, th = _framework("minigrad", shape, op), _framework("torch", shape, op)
        yield Case(name, minigrad=mg, torch=th, numpy=_numpy(shape, op))
