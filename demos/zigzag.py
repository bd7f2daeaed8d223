"""Not zero-centred -> zig-zag: why all-positive inputs slow gradient descent down.

Lecture 4, slides 7-8 (the sigmoid's second problem: its outputs are not zero-centred) and slide 20
(zero-centre and scale the data). A neuron computes z = w . x + b and passes on f(z). By the chain
rule its weight gradient for one example is

    dL/dw = (dL/dz) * x,

a vector x times one number. If every input x_i is positive (raw pixels, or the outputs of a sigmoid
layer), every component of dL/dw has the sign of dL/dz: one example's update can only move all the
weights up together or all down together. To reach a w that needs some weights up and others down,
gradient descent has to zig-zag. This demo shows it three ways, all computed with minigrad:

1. ``gradient_signs.png``: one sigmoid neuron on Fashion-MNIST ("is it footwear?"). For each example
   the per-example gradient dL/dw (minigrad's autograd, one backward pass for all examples) is
   checked: with raw pixels (all >= 0) or sigmoid-layer outputs as inputs, 100% of the examples have
   a single-signed gradient; after zero-centring (or with a tanh layer) almost none do.
2. ``zigzag_path.png``: a 2-weight neuron trained with SGD one example at a time. With positive
   inputs every step points up-right or down-left, so the path to the optimum (down-right) zig-zags;
   with centred inputs it goes straight, and tolerates a much larger learning rate.
3. ``softmax_preprocessing.png``: softmax regression on Fashion-MNIST with pixels shifted further
   positive (+1), raw ([0, 1]), centred and standardised, each at its best learning rate from a grid
   (plain SGD): the number of steps to reach a target training loss.

    python demos/zigzag.py                 # about 25 s on a 2-core laptop
    python demos/zigzag.py --quick         # a few seconds (what the tests run)

Writes gradient_signs.png, zigzag_path.png, softmax_preprocessing.png and zigzag.json into --out.
"""

import time

import numpy as np
from common import bar, fashion, parser, random_batches, save_outputs, single_threaded, steps_to_target, train
from figures import zigzag as figures

import minigrad as mg
from minigrad import nn, optim, preprocessing
from minigrad.data import FASHION_MNIST_CLASSES
from minigrad.nn import functional as F

FOOTWEAR = (5, 7, 9)  # sandal, sneaker, ankle boot


def per_example_weight_grads(inputs, targets, w, b, device):
    """dL/dw for every example of a sigmoid neuron with binary cross-entropy, by autograd.

    The trick: give every example its own copy of w (the rows of W, all equal to w). The loss is a
    sum over examples and example n only touches row n, so after one backward pass W.grad[n] is
    example n's gradient dL_n/dw. L_n = softplus(z_n) - t_n z_n is the cross-entropy of
    sigmoid(z_n) against the label t_n, written so that it never overflows.
    """
    n, d = inputs.shape
    W = mg.tensor(np.broadcast_to(w, (n, d)).astype(np.float32), device=device, requires_grad=True)
    z = (W * mg.tensor(inputs, device=device)).sum(dim=1) + float(b)
    loss = (F.softplus(z) - mg.tensor(targets, device=device) * z).sum()
    loss.backward()
    return W.grad.cpu().numpy()


def sign_statistics(grads):
    """Per example: is every non-zero component of dL/dw of one sign? and the share that is positive."""
    pos = (grads > 0).sum(axis=1)
    neg = (grads < 0).sum(axis=1)
    nonzero = pos + neg
    single = ((pos == 0) | (neg == 0)) & (nonzero > 0)
    share_pos = pos / np.maximum(nonzero, 1)
    return single, share_pos


def gradient_signs(images, labels, seed, device):
    """Per-example gradient signs of one sigmoid neuron for four kinds of input."""
    rng = np.random.default_rng(seed)
    targets = np.isin(labels, FOOTWEAR).astype(np.float32)
    centred = preprocessing.StandardScaler(with_std=False).fit_transform(images)
    standard = preprocessing.StandardScaler().fit_transform(images)
    # A hidden layer of 256 units on standardised pixels, Xavier-initialised: its sigmoid outputs are
    # all in (0, 1), its tanh outputs in (-1, 1) and centred near 0.
    mg.manual_seed(seed)
    layer = nn.Linear(images.shape[1], 256).to(device)
    nn.init.xavier_normal_(layer.weight, generator=seed)
    with mg.no_grad():
        pre = layer(mg.tensor(standard, device=device))
        sig_out, tanh_out = F.sigmoid(pre).cpu().numpy(), F.tanh(pre).cpu().numpy()
    kinds = {
        "raw pixels": images,
        "centred pixels": centred,
        "sigmoid-layer outputs": sig_out,
        "tanh-layer outputs": tanh_out,
    }
    result = {}
    for name, x in kinds.items():
        w = rng.normal(0.0, 0.01, x.shape[1])  # the lecture's small random initial weights
        grads = per_example_weight_grads(x, targets, w, 0.0, device)
        single, share_pos = sign_statistics(grads)
        result[name] = {
            "input_min": float(x.min()),
            "input_mean": float(x.mean()),
            "fraction_single_sign": float(single.mean()),
            "count_single_sign": int(single.sum()),
            "examples": int(len(x)),
            "share_positive": share_pos.tolist(),
            "example_gradient": grads[0].tolist() if x.shape[1] == 784 else None,
        }
    return result


# ----------------------------------------------------------------------------------------------
# 2. The zig-zag path in two dimensions
# ----------------------------------------------------------------------------------------------

W_STAR = np.array([1.5, -1.5])  # the optimum: w1 up, w2 down, a direction no single step can take


def toy_data(seed, n=200):
    """2-D inputs, all positive (uniform on [0.5, 1.5]^2), and the same points centred."""
    x = np.random.default_rng(seed).uniform(0.5, 1.5, (n, 2))
    return x, x - x.mean(axis=0)


def teacher(x):
    """Soft targets t = sigmoid(w* . x): the cross-entropy loss is smallest exactly at w = w*."""
    return 1.0 / (1.0 + np.exp(-(x @ W_STAR)))


def sgd_path(x, lr, steps, seed, device):
    """SGD on a 2-weight sigmoid neuron, one random example per step, with minigrad's autograd.

    Returns the path of w (one row per step, starting at w = 0) and whether it diverged (then it
    stops early).
    """
    t = teacher(x)
    rng = np.random.default_rng(seed)
    w = mg.zeros(2, dtype=mg.float64, device=device, requires_grad=True)
    path = [w.detach().cpu().numpy().copy()]
    for _ in range(steps):
        i = int(rng.integers(len(x)))
        z = (w * mg.tensor(x[i], device=device)).sum()
        loss = F.softplus(z) - float(t[i]) * z
        w.grad = None
        loss.backward()
        with mg.no_grad():
            w.sub_(w.grad, alpha=lr)
        now = w.detach().cpu().numpy().copy()
        path.append(now)
        if not np.isfinite(now).all() or np.abs(now).max() > 50:
            return np.array(path), True
    return np.array(path), False


def steps_to_stay_within(path, tol=0.1):
    """The first step from which w stays within ``tol`` of w* until the end (None: never)."""
    far = np.flatnonzero(np.linalg.norm(path - W_STAR, axis=1) >= tol)
    if len(far) == 0:
        return 0
    return None if far[-1] == len(path) - 1 else int(far[-1] + 1)


def mean_loss_grid(x, w1, w2):
    """The mean cross-entropy over the data at every point of a (w1, w2) grid (for the contours)."""
    t = teacher(x)
    z = w1[..., None] * x[:, 0] + w2[..., None] * x[:, 1]
    return np.mean(np.logaddexp(0.0, z) - t * z, axis=-1) - np.mean(np.logaddexp(0.0, x @ W_STAR) - t * (x @ W_STAR))


def zigzag(seed, quick, device):
    x_pos, x_cen = toy_data(seed)
    lrs = [1.0, 2.0, 4.0, 8.0, 16.0] if quick else [0.5, 1.0, 2.0, 4.0, 8.0, 16.0, 32.0]
    shared_lr = 2.0
    steps = 200 if quick else 600
    result = {"w_star": W_STAR.tolist(), "lr_grid": lrs, "shared_lr": shared_lr, "max_steps": steps, "cases": {}}
    for name, x in (("positive inputs", x_pos), ("centred inputs", x_cen)):
        grid, paths = {}, {}
        for lr in lrs:
            paths[lr], diverged = sgd_path(x, lr, steps, seed + 1, device)
            grid[lr] = {"steps_to_w_star": None if diverged else steps_to_stay_within(paths[lr]), "diverged": diverged}
        reached = {lr: g["steps_to_w_star"] for lr, g in grid.items() if g["steps_to_w_star"] is not None}
        best_lr = min(reached, key=reached.get) if reached else None
        path = paths[shared_lr]
        moves = np.diff(path, axis=0)
        same_sign = np.mean(np.sign(moves[:, 0]) == np.sign(moves[:, 1]))
        # each example's update direction -dL/dw = -(sigmoid(w.x) - t) x at the start, w = 0
        directions = -(0.5 - teacher(x))[:, None] * x
        result["cases"][name] = {
            "grid": {str(lr): g for lr, g in grid.items()},
            "best_lr": best_lr,
            "steps_at_best_lr": reached.get(best_lr),
            "steps_at_shared_lr": grid[shared_lr]["steps_to_w_star"],
            "fraction_updates_in_quadrants_I_III": float(same_sign),
            "path_shared_lr": path[:301].tolist(),
            "distance_best_lr": np.linalg.norm(paths[best_lr] - W_STAR, axis=1).tolist() if best_lr else None,
            "distance_shared_lr": np.linalg.norm(path - W_STAR, axis=1).tolist(),
            "update_directions_at_0": directions[:40].tolist(),
        }
    return result, {"positive inputs": x_pos, "centred inputs": x_cen}


# ----------------------------------------------------------------------------------------------
# 3. Softmax regression on Fashion-MNIST with four preprocessings
# ----------------------------------------------------------------------------------------------


def train_softmax(x, y, lr, steps, batch, eval_every, seed, progress, device):
    """Plain SGD on a linear classifier (784 -> 10, zero-initialised); the full-set loss every few steps."""
    model = nn.Linear(x.shape[1], 10).to(device)
    with mg.no_grad():
        model.weight.zero_()
        model.bias.zero_()
    opt = optim.SGD(model.parameters(), lr=lr)
    x_all, y_all = mg.tensor(x, device=device), mg.tensor(y, device=device)
    eval_steps, losses = [0], [float(np.log(10))]

    def evaluate(step):
        with mg.no_grad():
            full = F.cross_entropy(model(x_all), y_all).item()
        eval_steps.append(step)
        losses.append(full if np.isfinite(full) else None)  # None: overflowed (JSON has no inf)
        return not np.isfinite(full) or full > 20  # blown up: this rate will not hold the loss at the target

    batches = random_batches(x, y, batch, seed, device=device)
    train(model, opt, batches, steps, bar=progress, every=eval_every, evaluate=evaluate)
    return eval_steps, losses


VARIANT_TEXT = {
    "shifted": "shifted: pixels + 1, in [1, 2]",
    "raw": "raw pixels, in [0, 1]",
    "centred": "centred: x - mean pixel",
    "standardised": "standardised: (x - mean) / std per pixel",
}


def softmax_preprocessing(images, labels, args):
    seed, quick = args.seed, args.quick
    # The statistics come from these (training) images: StandardScaler is fitted on them.
    variants = {
        "shifted": images + 1.0,
        "raw": images,
        "centred": preprocessing.StandardScaler(with_std=False).fit_transform(images),
        "standardised": preprocessing.StandardScaler().fit_transform(images),
    }
    lrs = [0.01, 0.1, 0.3] if quick else [0.01, 0.03, 0.1, 0.3, 1.0, 3.0]
    steps = 150 if quick else 1000
    eval_every = 10 if quick else 20
    target = 0.75 if quick else 0.55
    batch = 100
    result = {
        "lr_grid": lrs,
        "steps": steps,
        "batch_size": batch,
        "target_loss": target,
        "train_size": int(len(images)),
        "eval_every": eval_every,
        "variants": {},
    }
    progress = bar(len(variants) * len(lrs) * steps, "softmax regression", args)
    for name, x in variants.items():
        runs = {}
        for lr in lrs:
            ev, losses = train_softmax(x, labels, lr, steps, batch, eval_every, seed, progress, args.device)
            runs[str(lr)] = {"eval_step": ev, "loss": losses, "steps_to_target": steps_to_target(ev, losses, target)}
        reached = {lr: r["steps_to_target"] for lr, r in runs.items() if r["steps_to_target"] is not None}
        if reached:
            best = min(reached, key=lambda k: (reached[k], -float(k)))
        else:  # nothing reached the target: the lr with the lowest final loss
            best = min(runs, key=lambda k: runs[k]["loss"][-1] if runs[k]["loss"][-1] is not None else np.inf)
        result["variants"][name] = {
            "description": VARIANT_TEXT[name],
            "input_mean": float(x.mean()),
            "runs": runs,
            "best_lr": float(best),
            "steps_to_target": runs[best]["steps_to_target"],
            "final_loss_at_best_lr": runs[best]["loss"][-1],
        }
    progress.close()
    return result


# ----------------------------------------------------------------------------------------------


def main(argv=None):
    args = parser(__file__, __doc__).parse_args(argv)
    start = time.perf_counter()
    mg.manual_seed(args.seed)
    with single_threaded():
        images, labels, _, _ = fashion(2000 if args.quick else 10000, 0, seed=args.seed)
        n_signs = 500 if args.quick else 2000
        signs = gradient_signs(images[:n_signs], labels[:n_signs], args.seed, args.device)
        path, toy = zigzag(args.seed, args.quick, args.device)
        softmax = softmax_preprocessing(images, labels, args)

    record = {
        "config": {
            "seed": args.seed,
            "quick": args.quick,
            "task": "footwear (" + ", ".join(FASHION_MNIST_CLASSES[c] for c in FOOTWEAR) + ") vs rest",
        },
        "gradient_signs": signs,
        "zigzag": path,
        "softmax": softmax,
    }
    record["seconds"] = round(time.perf_counter() - start, 2)

    print("Examples whose dL/dw has a single sign:")
    for k, v in signs.items():
        print(f"  {k:24s} {v['count_single_sign']:5d}/{v['examples']} ({100 * v['fraction_single_sign']:.1f}%)")
    print("2-D neuron, SGD steps to reach w* (best lr from the grid):")
    for k, v in path["cases"].items():
        print(
            f"  {k:16s} best lr {v['best_lr']}: {v['steps_at_best_lr']} steps; at lr {path['shared_lr']:g}: "
            f"{v['steps_at_shared_lr']} steps, "
            f"{100 * v['fraction_updates_in_quadrants_I_III']:.0f}% of updates in quadrants I/III"
        )
    print(f"Softmax regression, steps to training loss {softmax['target_loss']}:")
    for v in softmax["variants"].values():
        print(f"  {v['description']:42s} lr {v['best_lr']:g}: {v['steps_to_target']} steps")
    figs = {
        "gradient_signs.png": figures.gradient_signs(signs),
        "zigzag_path.png": figures.zigzag_path(path, lambda name, w1, w2: mean_loss_grid(toy[name], w1, w2)),
        "softmax_preprocessing.png": figures.softmax_preprocessing(softmax),
    }
    return save_outputs(args, record, figs, dpi=60 if args.quick else 120)  # the quick run's figures are for the tests


if __name__ == "__main__":
    main()
