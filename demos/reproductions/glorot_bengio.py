"""Glorot & Bengio (2010), "Understanding the difficulty of training deep feedforward neural networks".

    python demos/reproductions/glorot_bengio.py           # about 20 s of one core
    python demos/reproductions/glorot_bengio.py --quick   # a few seconds (what the tests run)

(a) Their figure 2: a sigmoid MLP with 4 hidden layers, initialised the old way, W ~ U[-1/sqrt(n),
    1/sqrt(n)] (n: the layer's fan-in; biases 0), trained with plain SGD on batches of 10. Every few
    steps, the mean (and std) of each hidden layer's sigmoid outputs on 300 fixed test images, and
    the test error. The paper: the top hidden layer is driven to 0 (saturated) early in training
    while the layers below stay near 0.5 or above, and learning slows down.
(b) Their figures 6-8: a tanh MLP with 5 hidden layers of 1000 at initialisation, under the
    standard init and the normalised ("Xavier") init W ~ U[-sqrt(6/(n_in + n_out)), +...], on one
    batch of 1000 training images: per layer, the histograms of the activations, of the back-propagated
    gradients dL/dz (z: the layer's pre-activation) and of the weight gradients dL/dW. The paper:
    with the standard init the activations shrink going up and the back-propagated gradients shrink
    going down, while the weight gradients keep about the same size in every layer; with the
    normalised init all three keep their size.

Laptop scale: Fashion-MNIST (raw pixels in [0, 1] for (a), standardised for (b)) instead of
Shapeset-3x2; (a) has hidden layers of 256 (theirs: 1000) and runs 6000 steps (their figure: 100s of
epochs), so it shows the start of training only. Writes activations_during_training.png,
init_histograms.png and glorot_bengio.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

import numpy as np
from common import arguments, bar, error_rate, fashion, mlp, random_batches, save_outputs, single_threaded, train
from figures import glorot_bengio as figures

import minigrad as mg
from minigrad import diagnostics, nn, optim
from minigrad.nn import functional as F
from minigrad.nn import init

SETTINGS = {
    "full": {"width": 256, "steps": 6000, "every": 100, "lr": 0.1, "probe": 300, "test": 2000, "deep_width": 1000},
    "quick": {"width": 128, "steps": 1200, "every": 60, "lr": 0.1, "probe": 300, "test": 1000, "deep_width": 300},
}


def standard_init(model, seed):
    """W ~ U[-1/sqrt(n), 1/sqrt(n)] with n the fan-in (PyTorch's Linear default), biases 0."""
    return init.apply_(model, "default", bias=0.0, generator=seed)


def sigmoid_training(data, cfg, seed, args):
    """(a): the mean and std of each hidden layer's sigmoid outputs, and the test error, during training."""
    x_train, y_train, x_test, y_test = data
    model = standard_init(mlp([784] + [cfg["width"]] * 4 + [10], nn.Sigmoid, device=args.device), seed)
    sigmoids = [m for m in model if isinstance(m, nn.Sigmoid)]
    probe = mg.tensor(x_test[: cfg["probe"]], device=args.device)
    rec = {"step": [], "mean": [], "std": [], "test_error": []}

    def evaluate(step):
        with mg.no_grad(), diagnostics.Recorder(model, layers=sigmoids, bins=None, gradients=False) as r:
            model(probe)
        rec["step"].append(step)
        rec["mean"].append([r.stats[r.name_of(m)]["act"]["mean"] for m in sigmoids])
        rec["std"].append([r.stats[r.name_of(m)]["act"]["std"] for m in sigmoids])
        rec["test_error"].append(error_rate(model, x_test, y_test))
        return {"top_mean": rec["mean"][-1][-1], "error": rec["test_error"][-1]}

    evaluate(0)
    progress = bar(cfg["steps"], "(a) sigmoid, batches of 10", args)
    opt = optim.SGD(model.parameters(), lr=cfg["lr"])
    batches = random_batches(x_train, y_train, 10, seed, device=args.device)
    rec["loss"], _ = train(model, opt, batches, cfg["steps"], bar=progress, every=cfg["every"], evaluate=evaluate)
    progress.close()
    means = np.array(rec["mean"])
    early = slice(1, 1 + max(1, len(means) // 4))  # the first quarter of training, after step 0
    rec["early_mean_per_layer"] = means[early].mean(axis=0).tolist()
    rec["final_mean_per_layer"] = means[-1].tolist()
    rec["top_layer_min_mean"] = float(means[:, -1].min())
    return rec


def histograms(values, edges):
    """Each layer's histogram, as fractions of its values."""
    return [(np.histogram(v, bins=edges)[0] / v.size).tolist() for v in values]


def tanh_at_init(x, y, cfg, seed, device):
    """(b): activations, back-propagated gradients and weight gradients per layer at initialisation."""
    out = {}
    for name in ("standard", "normalised"):
        model = mlp([784] + [cfg["deep_width"]] * 5 + [10], nn.Tanh, device=device)
        if name == "standard":
            standard_init(model, seed)
        else:
            init.apply_(model, "xavier_uniform", bias=0.0, generator=seed)
        tanhs = [m for m in model if isinstance(m, nn.Tanh)]
        linears = [m for m in model if isinstance(m, nn.Linear)][:-1]
        with diagnostics.Recorder(model, layers=tanhs + linears, bins=None, keep_values=True) as r:
            F.cross_entropy(model(mg.tensor(x, device=device)), mg.tensor(y, device=device)).backward()
        acts = [r.values[r.name_of(m)] for m in tanhs]
        grads = [r.grad_values[r.name_of(m)] for m in linears]  # dL/dz, z = Wh + b: what tanh passes down
        wgrads = [m.weight.grad.cpu().numpy() for m in linears]
        g_lim = max(np.abs(g).max() for g in grads)
        w_lim = max(np.abs(g).max() for g in wgrads)
        edges = {
            "act": np.linspace(-1, 1, 51),
            "grad": np.linspace(-g_lim, g_lim, 51),
            "wgrad": np.linspace(-w_lim, w_lim, 51),
        }
        out[name] = {
            "act_std": [float(a.std()) for a in acts],
            "grad_std": [float(g.std()) for g in grads],
            "weight_grad_std": [float(g.std()) for g in wgrads],
            "act_hist": histograms(acts, edges["act"]),
            "grad_hist": histograms(grads, edges["grad"]),
            "weight_grad_hist": histograms(wgrads, edges["wgrad"]),
            "edges": {k: e.tolist() for k, e in edges.items()},
        }
        s = out[name]
        s["grad_std_first_over_last"] = s["grad_std"][0] / s["grad_std"][-1]
        s["weight_grad_std_max_over_min"] = max(s["weight_grad_std"]) / min(s["weight_grad_std"])
    return out


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    mg.manual_seed(args.seed)
    data = fashion(None, cfg["test"])
    with single_threaded():
        training = sigmoid_training(data, cfg, args.seed, args)
        x, y, _, _ = fashion(1000, 0, seed=args.seed, standardize=True)
        at_init = tanh_at_init(x, y, cfg, args.seed, args.device)
    record = {
        "config": {**cfg, "seed": args.seed, "quick": args.quick},
        "sigmoid_training": training,
        "tanh_at_init": at_init,
    }

    print("(a) mean sigmoid output per hidden layer (1 = bottom, 4 = top):")
    print("    at step 0         " + " ".join(f"{m:.3f}" for m in training["mean"][0]))
    print("    early in training " + " ".join(f"{m:.3f}" for m in training["early_mean_per_layer"]))
    print("    at the end        " + " ".join(f"{m:.3f}" for m in training["final_mean_per_layer"]))
    print(f"    test error {training['test_error'][0]:.3f} -> {training['test_error'][-1]:.3f}")
    for name, s in at_init.items():
        print(f"(b) {name:10s} per hidden layer, 1 to 5:")
        for key, label in (("act_std", "activation std"), ("grad_std", "dL/dz std"), ("weight_grad_std", "dL/dW std")):
            print(f"    {label:15s} " + " ".join(f"{v:9.2e}" for v in s[key]))
    figs = {
        "activations_during_training.png": figures.activations_during_training(record),
        "init_histograms.png": figures.init_histograms(record),
    }
    return save_outputs(args, record, figs)


if __name__ == "__main__":
    main()
