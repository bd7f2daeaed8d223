"""Dead ReLUs: one oversized SGD step kills a large part of a ReLU network, and Leaky ReLU, PReLU and
ELU units survive the same step.

    python demos/dead_relu.py            # 10000 Fashion-MNIST images, 5 hidden layers of 256 (~15-30 s)
    python demos/dead_relu.py --quick    # 2000 images, 3 hidden layers of 128, for the tests

Lecture 4, slides 9-13: a ReLU unit whose pre-activation w.x + b is negative for every input (it has
been "knocked off the data manifold", by a bad initialisation or by a too-large update) outputs 0
and passes back a zero gradient for every input, so its weights stop changing: a dead ReLU. The
lecture's remedies: mind the learning rate; use Leaky ReLU / PReLU / ELU, whose gradient for x < 0
is not zero; initialise the biases with a small positive value (0.01).

The experiment: an MLP (784 -> 256 x 5 -> 10, He initialisation, bias 0) on standardised Fashion-MNIST
images takes ONE plain SGD step with lr = 1 (ten to a hundred times too large) on one batch of 128.
The same initial weights and the same batch for ReLU, Leaky ReLU (0.01), PReLU (a = 0.25) and ELU.
minigrad.diagnostics then measures, over every training image, per hidden layer:

* dead units: the activation outputs exactly 0 on every training image;
* knocked-off units: the pre-activation is <= 0 on every training image (dead for a ReLU, alive for
  the others: their output and their gradient for x < 0 are not 0);
* weight rows with exactly zero gradient: dL/dW over the whole training set, row by row (a row is
  one unit's incoming weights). For a ReLU these are exactly the dead units.

Then 100 Adam steps of ordinary training follow: do the units that were off come back? A dead unit
of the first hidden layer never can (its inputs, the images, do not change, and its gradient is 0);
one in a deeper layer can, when the layers below it change its inputs.

Last, the lecture's 0.01 bias at initialisation: the fraction of active ReLU outputs per layer with
bias 0 or 0.01, for He weights and for small N(0, 0.01^2) weights, and the dead fraction after the
same oversized step. Writes into --out:

    dead_units.png        per layer and activation: dead and knocked-off units after the step, weight
                          rows with zero gradient, and what 100 more training steps changed
    preactivation_max.png ReLU network: each unit's largest pre-activation over the training set,
                          before and after the step (left of 0: dead)
    bias_init.png         active fraction at initialisation and dead fraction after the step, bias 0
                          versus 0.01
    dead_relu.json        every number plotted, with the losses and accuracies

The data is read from disk (minigrad.data.load_fashion_mnist), never downloaded.
"""

import time

import numpy as np
from common import bar, fashion, mlp, parser, random_batches, save_outputs, single_threaded, train
from figures import dead_relu as figures

import minigrad as mg
from minigrad import diagnostics, nn, optim
from minigrad.nn import functional as F
from minigrad.nn import init

ACTIVATIONS = {
    "ReLU": lambda: nn.ReLU(),
    "LeakyReLU": lambda: nn.LeakyReLU(0.01),
    "PReLU": lambda: nn.PReLU(init=0.25),
    "ELU": lambda: nn.ELU(),
}
BIAS_SETTINGS = [("he", 0.0), ("he", 0.01), ("normal(0.01)", 0.0), ("normal(0.01)", 0.01)]


def build(activation, hidden, device):
    return mlp([784, *hidden, 10], ACTIVATIONS[activation], device=device)


def hidden_linears(model):
    """The Linear layers that feed an activation (all but the output layer)."""
    return [m for m in model if isinstance(m, nn.Linear)][:-1]


def measure(model, x, y, backward=True):
    """One forward (+ backward) pass over the whole training set under a Recorder: per hidden layer,
    the dead, knocked-off and (with ``backward``) zero-gradient fractions, each unit's largest
    pre-activation, the loss and the accuracy."""
    linears = hidden_linears(model)
    acts = [m for m in model if not isinstance(m, nn.Linear)]
    model.zero_grad()
    with diagnostics.Recorder(model, layers=linears + acts, bins=None, keep_values=True) as rec:
        if backward:
            scores = model(x)
            loss = F.cross_entropy(scores, y)
            loss.backward()
        else:
            with mg.no_grad():
                scores = model(x)
                loss = F.cross_entropy(scores, y)
    model.zero_grad()
    wg = [rec.stats[rec.name_of(m)].get("weight_grad") for m in linears]
    lin_names = [rec.name_of(m) for m in linears]
    act_names = [rec.name_of(m) for m in acts]
    pre_max = [rec.values[n].max(axis=0) for n in lin_names]
    off_sets = [np.flatnonzero(p <= 0) for p in pre_max]
    out = {
        "dead_fraction": [rec.stats[n]["act"]["dead_fraction"] for n in act_names],
        "dead_units": [rec.stats[n]["act"]["dead_units"] for n in act_names],
        "active_fraction": [1.0 - rec.stats[n]["act"]["zero_fraction"] for n in act_names],
        "positive_fraction": [float((rec.values[n] > 0).mean()) for n in lin_names],
        "knocked_off_fraction": [rec.stats[n]["act"]["never_positive_fraction"] for n in lin_names],
        "knocked_off_units": [rec.stats[n]["act"]["never_positive_units"] for n in lin_names],
        "zero_grad_rows_fraction": [g["zero_rows_fraction"] if g else None for g in wg],
        "zero_grad_rows": [g["zero_rows"] if g else None for g in wg],
        "loss": float(loss.item()),
        "accuracy": float((scores.detach().cpu().numpy().argmax(axis=1) == y.cpu().numpy()).mean()),
    }
    return out, pre_max, off_sets


def oversized_step(model, x, y, batch, lr):
    opt = optim.SGD(model.parameters(), lr=lr)
    loss = F.cross_entropy(model(x[batch]), y[batch])
    opt.zero_grad()
    loss.backward()
    opt.step()
    model.zero_grad()
    return float(loss.item())


def recovery(model, x, y, steps, seed, batch_size=128, lr=1e-3):
    """Ordinary training after the accident: Adam (its step size does not grow with the huge gradients).
    x, y: the training set as Tensors on the model's device (the batches are picked there)."""
    batches = random_batches(x, y, batch_size, seed, replace=False, device=x.device)
    losses, _ = train(model, optim.Adam(model.parameters(), lr=lr), batches, steps)
    model.zero_grad()
    return losses


def run_activation(name, hidden, x, y, batch, lr, steps, seed):
    model = build(name, hidden, x.device)
    init.apply_(model, "he", bias=0.0, generator=seed)  # the same weights for every activation
    before, pre_before, _ = measure(model, x, y, backward=False)
    step_loss = oversized_step(model, x, y, batch, lr)
    slopes = [float(m.weight.item()) for m in model if isinstance(m, nn.PReLU)]
    after, pre_after, off = measure(model, x, y)
    rows_after = [m.weight.detach().cpu().numpy().copy() for m in hidden_linears(model)]
    losses = recovery(model, x, y, steps, seed + 1)
    final, _, off_final = measure(model, x, y, backward=False)
    still_off, unchanged = [], []
    for units, units_final, w0, m in zip(off, off_final, rows_after, hidden_linears(model)):
        w1 = m.weight.detach().cpu().numpy()
        if len(units) == 0:
            still_off.append(None)
            unchanged.append(None)
            continue
        still_off.append(float(np.isin(units, units_final).mean()))
        unchanged.append(float((w1[units] == w0[units]).all(axis=1).mean()))
    result = {
        "init": before,
        "after_step": after,
        "after_recovery": final,
        "step_batch_loss": step_loss,
        "recovery_loss": losses,
        "off_after_step_still_off": still_off,
        "off_after_step_weights_unchanged": unchanged,
    }
    if name == "PReLU":
        result["prelu_slopes_after_step"] = slopes
        result["prelu_slopes_final"] = [float(m.weight.item()) for m in model if isinstance(m, nn.PReLU)]
    return result, pre_before, pre_after


def run_bias(hidden, x, y, batch, lr, seed):
    out = {}
    for scheme, bias in BIAS_SETTINGS:
        model = build("ReLU", hidden, x.device)
        init.apply_(model, scheme, bias=bias, generator=seed)
        at_init, _, _ = measure(model, x, y, backward=False)
        oversized_step(model, x, y, batch, lr)
        after, _, _ = measure(model, x, y, backward=False)
        out[f"{scheme}, bias {bias:g}"] = {"scheme": scheme, "bias": bias, "init": at_init, "after_step": after}
    return out


def main(argv=None):
    p = parser(__file__, __doc__)
    p.add_argument("--lr", type=float, default=1.0, help="learning rate of the oversized step (default 1)")
    p.add_argument("--train-size", type=int, default=None, help="training images used (default 10000; --quick 2000)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    n = args.train_size or (2000 if args.quick else 10000)
    hidden = [128] * 3 if args.quick else [256] * 5
    steps = 30 if args.quick else 100
    batch_size = 128

    images, labels, _, _ = fashion(n, 0, seed=args.seed, standardize=True)  # zero-centred, unit std (section 2)
    x, y = mg.tensor(images, device=args.device), mg.tensor(labels, device=args.device)  # the whole training set
    batch = np.random.default_rng(args.seed + 100).choice(n, batch_size, replace=False)
    mg.manual_seed(args.seed)

    rec = {
        "config": {
            "seed": args.seed,
            "quick": args.quick,
            "lr": args.lr,
            "hidden": hidden,
            "batch_size": batch_size,
            "train_size": n,
            "recovery_steps": steps,
            "recovery_optimizer": "Adam(lr=1e-3)",
            "init": "he, bias 0",
        },
        "activations": {},
    }
    pre = {}
    progress = bar(len(ACTIVATIONS) + 1, "dead_relu", args, unit="run")
    with single_threaded():
        for name in ACTIVATIONS:
            result, pre_before, pre_after = run_activation(name, hidden, x, y, batch, args.lr, steps, args.seed)
            rec["activations"][name] = result
            if name == "ReLU":
                pre = {"before": pre_before, "after": pre_after}
            progress.update()
        rec["bias_init"] = run_bias(hidden, x, y, batch, args.lr, args.seed)
        progress.update()
        progress.close()
    rec["relu_unit_max_preactivation"] = pre

    def pct(v):
        return " ".join("   -  " if a is None else f"{100 * a:5.1f}%" for a in v)

    print(f"After one SGD step with lr={args.lr:g} (per hidden layer, over {n} training images):")
    for name, r in rec["activations"].items():
        a = r["after_step"]
        print(
            f"  {name:<10} dead {pct(a['dead_fraction'])} | knocked off {pct(a['knocked_off_fraction'])} | "
            f"zero-grad rows {pct(a['zero_grad_rows_fraction'])}"
        )
    for name, r in rec["activations"].items():
        print(
            f"  {name:<10} after {steps} more steps: of the knocked-off units "
            f"still off {pct(r['off_after_step_still_off'])}"
            f", weights never changed {pct(r['off_after_step_weights_unchanged'])}; "
            f"accuracy {100 * r['after_recovery']['accuracy']:.1f}%"
        )
    for key, s in rec["bias_init"].items():
        print(
            f"  ReLU {key:<24} active at init {pct(s['init']['active_fraction'])} | "
            f"dead after step {pct(s['after_step']['dead_fraction'])}"
        )

    rec["timing_s"] = round(time.perf_counter() - t0, 3)
    figs = {
        "dead_units.png": figures.dead_units(rec),
        "preactivation_max.png": figures.preactivation_max(pre, rec),
        "bias_init.png": figures.bias_init(rec),
    }
    return save_outputs(args, rec, figs)


if __name__ == "__main__":
    main()
