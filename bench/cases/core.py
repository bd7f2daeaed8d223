"""Core benchmark rows: a Linear layer's forward + backward, and the lecture's deep tanh MLP training step.

Every factory imports its framework itself: the harness imports this module in each framework's
process, and the torch process must not import minigrad (nor the reverse).
"""

import itertools

from bench import Case

BATCH = 512
WIDTH = 512
DEPTH = 10  # the lecture's deep net (slides 26-27): 10 tanh layers of 512 units
CLASSES = 10
LR = 0.01


# ------------------------------------------------------------------------------------------------------
# Linear(512, 512): forward and backward (input gradient included, as inside a network), float32
# ------------------------------------------------------------------------------------------------------
def linear_minigrad():
    import minigrad as mg
    from minigrad import nn

    mg.manual_seed(0)
    layer = nn.Linear(WIDTH, WIDTH)
    x = mg.randn(BATCH, WIDTH, requires_grad=True)
    grad = mg.randn(BATCH, WIDTH)

    def step():
        layer.zero_grad()
        x.grad = None
        layer(x).backward(grad)

    return step


def linear_torch():
    import torch

    torch.manual_seed(0)
    layer = torch.nn.Linear(WIDTH, WIDTH)
    x = torch.randn(BATCH, WIDTH, requires_grad=True)
    grad = torch.randn(BATCH, WIDTH)

    def step():
        layer.zero_grad()
        x.grad = None
        layer(x).backward(grad)

    return step


def linear_numpy():
    import numpy as np

    rng = np.random.default_rng(0)
    bound = 1 / np.sqrt(WIDTH)
    weight = rng.uniform(-bound, bound, (WIDTH, WIDTH)).astype(np.float32)
    bias = rng.uniform(-bound, bound, WIDTH).astype(np.float32)
    x = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)
    grad = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)

    def step():
        y = x @ weight.T + bias  # forward  # noqa: F841
        grad_weight = grad.T @ x  # noqa: F841
        grad_bias = grad.sum(axis=0)  # noqa: F841
        grad_x = grad @ weight  # noqa: F841

    return step


# ------------------------------------------------------------------------------------------------------
# The deep MLP training step: 10 x (Linear(512, 512) + tanh), a Linear(512, 10) head,
# cross-entropy, SGD (lr 0.01); batch 512, float32
# ------------------------------------------------------------------------------------------------------
def mlp_minigrad():
    import minigrad as mg
    from minigrad import nn, optim
    from minigrad.nn import functional as F

    mg.manual_seed(0)
    layers = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH), nn.Tanh()]
    model = nn.Sequential(*layers, nn.Linear(WIDTH, CLASSES))
    opt = optim.SGD(model.parameters(), lr=LR)
    x = mg.randn(BATCH, WIDTH)
    y = mg.tensor(_labels())

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def _labels():
    import numpy as np

    return np.random.default_rng(1).integers(0, CLASSES, BATCH).astype(np.int64)


def mlp_torch():
    import torch
    import torch.nn.functional as F
    from torch import nn

    torch.manual_seed(0)
    layers = []
    for _ in range(DEPTH):
        layers += [nn.Linear(WIDTH, WIDTH), nn.Tanh()]
    model = nn.Sequential(*layers, nn.Linear(WIDTH, CLASSES))
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    x = torch.randn(BATCH, WIDTH)
    y = torch.from_numpy(_labels())

    def step():
        opt.zero_grad()
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        opt.step()

    return step


def mlp_numpy():
    """The same step written by hand: forward, softmax cross-entropy, backward, in-place SGD."""
    import numpy as np

    rng = np.random.default_rng(0)
    dims = [WIDTH] * (DEPTH + 1) + [CLASSES]
    params = []
    for fan_in, fan_out in itertools.pairwise(dims):
        bound = 1 / np.sqrt(fan_in)  # PyTorch's default Linear init range
        params.append(
            (
                rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                rng.uniform(-bound, bound, fan_out).astype(np.float32),
            )
        )
    x = rng.standard_normal((BATCH, WIDTH), dtype=np.float32)
    y = _labels()
    rows = np.arange(BATCH)

    def step():
        # forward: keep every layer's input for the backward pass
        acts = [x]
        h = x
        for weight, bias in params[:-1]:
            h = np.tanh(h @ weight.T + bias)
            acts.append(h)
        w_out, b_out = params[-1]
        logits = h @ w_out.T + b_out
        shifted = logits - logits.max(axis=1, keepdims=True)
        exp = np.exp(shifted)
        sum_exp = exp.sum(axis=1, keepdims=True)
        loss = np.mean(np.log(sum_exp[:, 0]) - shifted[rows, y])
        # backward: d loss / d logits = (softmax - onehot) / N
        d = exp / sum_exp
        d[rows, y] -= 1
        d /= BATCH
        grads = [None] * len(params)
        grads[-1] = (d.T @ acts[-1], d.sum(axis=0))
        dh = d @ w_out
        for i in range(DEPTH - 1, -1, -1):
            dz = dh * (1 - acts[i + 1] * acts[i + 1])  # tanh' = 1 - tanh^2
            grads[i] = (dz.T @ acts[i], dz.sum(axis=0))
            if i:
                dh = dz @ params[i][0]
        # SGD, in place
        for (weight, bias), (grad_weight, grad_bias) in zip(params, grads):
            weight -= LR * grad_weight
            bias -= LR * grad_bias
        return loss

    return step


def cases():
    yield Case(
        f"linear fwd+bwd {BATCH}x{WIDTH}->{WIDTH} f32",
        minigrad=linear_minigrad,
        torch=linear_torch,
        numpy=linear_numpy,
    )
    yield Case(
        f"deep MLP train step {DEPTH}x(Linear{WIDTH}+tanh) b{BATCH} CE SGD f32",
        minigrad=mlp_minigrad,
        torch=mlp_torch,
        numpy=mlp_numpy,
    )
