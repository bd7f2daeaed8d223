"""Normalisation rows: forward + backward (input, weight and bias gradients), float32.

    BatchNorm2d(64) in training on (64, 64, 32, 32)
    LayerNorm(4096) on (256, 4096)
    LayerNorm((64, 32, 32)) on (64, 64, 32, 32)         (the last 3 dims)
    GroupNorm(32, 64) on (64, 64, 32, 32)
    InstanceNorm2d(64) on (64, 64, 32, 32)              (affine=False, PyTorch's default)

minigrad runs the fused Numba kernels; torch its own CPU kernels; numpy the textbook formulas
(mean, var, xhat, then dx = rstd (dxhat - mean(dxhat) - xhat mean(dxhat xhat))) with NumPy
reductions. Each framework runs in its own process with the same thread count (bench/run.py).
"""

from bench import Case

IMG = (64, 64, 32, 32)

# name, input shape, (module name, constructor args) for torch and minigrad
ROWS = [
    ("batchnorm2d train (64,64,32,32) fwd+bwd f32", IMG, ("BatchNorm2d", (64,))),
    ("layernorm (256,4096) fwd+bwd f32", (256, 4096), ("LayerNorm", (4096,))),
    ("layernorm last 3 dims (64,64,32,32) fwd+bwd f32", IMG, ("LayerNorm", ((64, 32, 32),))),
    ("groupnorm 32 groups (64,64,32,32) fwd+bwd f32", IMG, ("GroupNorm", (32, 64))),
    ("instancenorm2d (64,64,32,32) fwd+bwd f32", IMG, ("InstanceNorm2d", (64,))),
]


def _data(shape):
    import numpy as np

    rng = np.random.default_rng(0)
    x = (rng.standard_normal(shape, dtype=np.float32) * 2 + 0.5).astype(np.float32)
    g = rng.standard_normal(shape, dtype=np.float32)
    return x, g


def _minigrad(shape, spec):
    def factory():
        import minigrad as mg
        from minigrad import nn

        x, g = _data(shape)
        module = getattr(nn, spec[0])(*spec[1])
        module.train()
        xt = mg.tensor(x, requires_grad=True)
        gt = mg.tensor(g)

        def step():
            module.zero_grad()
            xt.grad = None
            module(xt).backward(gt)

        return step

    return factory


def _torch(shape, spec):
    def factory():
        import torch

        x, g = _data(shape)
        module = getattr(torch.nn, spec[0])(*spec[1])
        module.train()
        xt = torch.tensor(x, requires_grad=True)
        gt = torch.tensor(g)

        def step():
            module.zero_grad()
            xt.grad = None
            module(xt).backward(gt)

        return step

    return factory


def _numpy(shape, spec):
    """Plain NumPy: the statistics over the norm's axes, the normalisation, the closed-form backward."""

    def factory():
        import numpy as np

        x, g = _data(shape)
        eps = 1e-5
        kind = spec[0]
        # view of x, axes of the statistics, shape of weight/bias, axes summed for their gradients
        if kind == "BatchNorm2d":
            view, axes, affine, param_axes = x.shape, (0, 2, 3), (1, x.shape[1], 1, 1), (0, 2, 3)
        elif kind == "LayerNorm":
            nd = len(spec[1][0]) if isinstance(spec[1][0], tuple) else 1
            lead = tuple(range(x.ndim - nd))
            view, axes, affine, param_axes = x.shape, tuple(range(x.ndim - nd, x.ndim)), x.shape[x.ndim - nd :], lead
        elif kind == "GroupNorm":
            G, C = spec[1]
            view, axes, affine, param_axes = (x.shape[0], G, C // G, -1), (2, 3), (1, G, C // G, 1), (0, 3)
        else:  # InstanceNorm2d, no affine
            view, axes, affine, param_axes = x.shape, (2, 3), None, None
        n = int(np.prod([np.reshape(x, view).shape[a] for a in axes]))
        w = None if affine is None else np.ones(affine, np.float32)
        b = None if affine is None else np.zeros(affine, np.float32)

        def step():
            xv, gv = x.reshape(view), g.reshape(view)
            mean = xv.mean(axes, keepdims=True)
            xc = xv - mean
            var = (xc * xc).mean(axes, keepdims=True)
            rstd = 1.0 / np.sqrt(var + eps)
            xhat = xc * rstd
            y = xhat * w + b if w is not None else xhat  # noqa: F841  (the forward output)
            dxhat = gv * w if w is not None else gv
            dx = rstd * (dxhat - dxhat.mean(axes, keepdims=True) - xhat * (dxhat * xhat).sum(axes, keepdims=True) / n)
            if w is not None:
                dw = (gv * xhat).sum(param_axes)  # noqa: F841
                db = gv.sum(param_axes)  # noqa: F841
            return dx

        return step

    return factory


def cases():
    for name, shape, spec in ROWS:
        yield Case(name, minigrad=_minigrad(shape, spec), torch=_torch(shape, spec), numpy=_numpy(shape, spec))
