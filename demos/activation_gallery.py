"""Every activation function and its derivative, with the gradients minigrad's autograd computes.

    python demos/activation_gallery.py            # under 15 s
    python demos/activation_gallery.py --quick    # fewer points, for the tests

Lecture 4, slides 3-18 (activation functions). The lecture asks of the sigmoid: "what is the gradient
at x = -10, 0, 10?" This demo answers it for every activation minigrad has, not from a formula but
from autograd: for a tensor x of points, y = f(x) and y.sum().backward() leave f'(x) in x.grad
(the activation is elementwise, so d(sum y)/dx_i = f'(x_i)). A central finite difference checks
each derivative. Writes into --out:

    activations.png            one panel per activation on [-6, 6]: f(x), f'(x) and, shaded, where
                               f'(x) < 0.01 (saturated or dead: almost no gradient passes back)
    gradients_at_-10_0_10.png  sigmoid, tanh, ReLU, Leaky ReLU, ELU and softsign on [-12, 12], with
                               f'(-10), f'(0) and f'(10) marked and written on the curve
    gradient_table.png         f'(-10), f'(0), f'(10) for every activation, coloured on a log scale
    activation_gallery.json    the curves, the table and the finite-difference check

All in float64, so that tanh'(10) = 8.2e-9 is not rounded to 0 (in float32, tanh(10) == 1 exactly).
"""

import math
import time

import numpy as np

try:
    from common import parser, pyplot, save_figure, save_json  # python demos/<name>.py
except ImportError:  # imported by file path (tests, run_all)
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import parser, pyplot, save_figure, save_json

import minigrad as mg
from minigrad import nn

NAME = "activation_gallery"
POINTS = (-10.0, 0.0, 10.0)  # the lecture's question
SATURATED = 0.01  # f'(x) below this: (almost) no gradient flows back
KINKED = ("ReLU", "LeakyReLU")
WIDE = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softsign"]  # drawn on [-12, 12] with the points


def _maxout():
    """A Maxout unit with two pieces on a scalar input: max(x, -0.3 x - 0.5)."""
    m = nn.Maxout(1, 1, pieces=2).double()
    with mg.no_grad():
        m.weight.copy_(np.array([[1.0], [-0.3]]))
        m.bias.copy_(np.array([0.0, -0.5]))
    return lambda x: m(x.reshape(-1, 1)).reshape(-1)


def activations():
    """(name, function of a float64 tensor, formula in matplotlib's mathtext), in the lecture's order."""
    mods = [
        ("Sigmoid", nn.Sigmoid(), r"$\sigma(x) = 1/(1+e^{-x})$"),
        ("Tanh", nn.Tanh(), r"$\tanh(x)$"),
        ("ReLU", nn.ReLU(), r"$\max(0, x)$"),
        ("LeakyReLU", nn.LeakyReLU(0.01), r"$\max(0.01x, x)$"),
        ("PReLU", nn.PReLU(init=0.25).double(), r"$\max(\alpha x, x)$, $\alpha$ learned (here 0.25)"),
        ("ELU", nn.ELU(), r"$x$ if $x>0$ else $e^x - 1$"),
        ("Maxout", None, r"$\max(w_1 x + b_1, w_2 x + b_2)$, here $\max(x, -0.3x - 0.5)$"),
        ("SELU", nn.SELU(), r"$\lambda\,$ELU$_\alpha(x)$, $\lambda{\approx}1.05, \alpha{\approx}1.67$"),
        ("CELU", nn.CELU(), r"$\max(0,x) + \min(0, e^x - 1)$"),
        ("ReLU6", nn.ReLU6(), r"$\min(6, \max(0, x))$"),
        ("SiLU / Swish", nn.SiLU(), r"$x\,\sigma(x)$"),
        ("Mish", nn.Mish(), r"$x\,\tanh(\ln(1 + e^x))$"),
        ("GELU", nn.GELU(), r"$x\,\Phi(x)$"),
        ("Softplus", nn.Softplus(), r"$\ln(1 + e^x)$"),
        ("Softsign", nn.Softsign(), r"$x / (1 + |x|)$"),
        ("Hardtanh", nn.Hardtanh(), r"$\max(-1, \min(1, x))$"),
        ("Hardsigmoid", nn.Hardsigmoid(), r"ReLU6$(x + 3) / 6$"),
        ("Hardswish", nn.Hardswish(), r"$x\,$ReLU6$(x + 3) / 6$"),
    ]
    return [(name, _maxout() if m is None else m, formula) for name, m, formula in mods]


def value_and_grad(fn, x):
    """f(x) and f'(x) by autograd: y = f(x), y.sum().backward(), f'(x) = x.grad."""
    xt = mg.tensor(np.asarray(x, dtype=np.float64), requires_grad=True)
    y = fn(xt)
    y.sum().backward()
    return y.detach().numpy().copy(), xt.grad.numpy().copy()


def finite_difference_error(fn, x, h=1e-6):
    """Largest |autograd f'(x) - central difference| over x, skipping kinks (where the one-sided
    differences disagree: there the derivative is a convention, e.g. relu'(0) = 0)."""
    _, df = value_and_grad(fn, x)
    with mg.no_grad():

        def f(v):
            return fn(mg.tensor(v)).numpy()

        fx, fp, fm = f(x), f(x + h), f(x - h)
    right, left = (fp - fx) / h, (fx - fm) / h
    smooth = np.abs(right - left) < 1e-3
    central = (fp - fm) / (2 * h)
    return float(np.max(np.abs(df - central)[smooth])), int((~smooth).sum())


def _shade_flat(ax, x, df, label):
    """Shade the x-ranges (at least 0.5 wide) where |f'(x)| < SATURATED."""
    flat = np.abs(df) < SATURATED
    if not flat.any():
        return False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flat.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if x[stop - 1] - x[start] < 0.5:  # a stationary point (the minimum of SiLU), not a flat region
            continue
        ax.axvspan(x[start], x[stop - 1], color="tab:red", alpha=0.12, lw=0, label=label)
        label = None
    return True


def plot_gallery(x, curves, out):
    plt = pyplot()
    n = len(curves)
    cols = 3
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.1 * rows))
    for ax, (name, c) in zip(axes.flat, curves.items()):
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
        _shade_flat(ax, x, np.asarray(c["df"]), f"f'(x) < {SATURATED}")
        ax.plot(x, c["f"], color="tab:blue", lw=2, label="f(x)")
        ax.plot(x, c["df"], color="tab:orange", lw=2, ls="--", label="f'(x) (autograd)")
        ax.set_title(f"{name}: {c['formula']}", fontsize=9.5)
        ax.set_xlim(x[0], x[-1])
        lo = min(np.min(c["f"]), np.min(c["df"]), -0.2)
        hi = max(np.max(c["df"]), 1.2)
        hi = min(max(np.max(c["f"]), hi), 6.5)
        ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    order = sorted(
        range(len(labels)),
        key=lambda i: ["f(x)", "f'(x) (autograd)"].index(labels[i]) if labels[i] in ("f(x)", "f'(x) (autograd)") else 2,
    )
    fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper center",
        ncol=3,
        bbox_to_anchor=(0.5, 0.972),
        fontsize=11,
        frameon=False,
    )
    fig.suptitle(
        "Activation functions f (solid) and their derivatives f' (dashed) computed by minigrad's autograd;\n"
        "red: where f'(x) < 0.01, so almost no gradient flows back (saturated, or a dead ReLU region)",
        y=0.998,
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.955))
    return save_figure(fig, out, "activations.png")


def plot_points(wide_x, wide, table, out):
    plt = pyplot()
    names = WIDE
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, name in zip(axes.flat, names):
        c = wide[name]
        ax.axhline(0, color="grey", lw=0.6)
        ax.plot(wide_x, c["f"], color="tab:blue", lw=2, label="f(x)")
        ax.plot(wide_x, c["df"], color="tab:orange", lw=2, ls="--", label="f'(x)")
        for k, p in enumerate(POINTS):
            d = table[name][f"{p:g}"]["df"]
            ax.plot([p], [d], "o", ms=9, color="tab:red", zorder=5, label="f'(-10), f'(0), f'(10)" if k == 0 else None)
            text = "0" if d == 0 else (f"{d:.2g}" if abs(d) >= 1e-3 else f"{d:.1e}")
            ha = {-10.0: "left", 0.0: "center", 10.0: "right"}[p]
            offset = (0, 12)
            if p == 0 and name in KINKED:  # keep the label off the vertical jump of f'
                ha, offset = "left", (8, -18)
            ax.annotate(
                f"f'({p:g}) = {text}",
                (p, d),
                textcoords="offset points",
                xytext=offset,
                ha=ha,
                fontsize=10,
                color="tab:red",
                fontweight="bold",
            )
        ax.set_title(f"{name}: {wide[name]['formula']}", fontsize=10)
        ax.set_xlabel("x")
        ax.set_xlim(wide_x[0], wide_x[-1])
        top = 1.35 if name != "ReLU" and name != "LeakyReLU" and name != "ELU" else 1.6
        ax.set_ylim(-1.25 if name in ("Tanh", "ELU", "Softsign") else -0.25, top)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.0), fontsize=11, frameon=False)
    fig.suptitle(
        "The lecture's question: what is the gradient at x = -10, 0, 10?\n"
        "(values from minigrad's autograd, float64; the ReLU-type curves are clipped above)",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0.045, 1, 0.97))
    return save_figure(fig, out, "gradients_at_-10_0_10.png")


def plot_table(table, out):
    plt = pyplot()
    names = list(table)
    vals = np.array([[table[n][f"{p:g}"]["df"] for p in POINTS] for n in names])
    logv = np.log10(np.maximum(np.abs(vals), 1e-12))
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(names) + 1.6))
    im = ax.imshow(logv, cmap="RdYlGn", vmin=-6, vmax=0, aspect="auto")
    for i in range(len(names)):
        for j in range(len(POINTS)):
            v = vals[i, j]
            text = "0" if v == 0 else (f"{v:.3g}" if abs(v) >= 1e-3 else f"{v:.2e}")
            dark = logv[i, j] < -5 or logv[i, j] > -0.7
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=9.5,
                color="white" if dark else "black",
                fontweight="bold" if abs(v) < 1e-3 else "normal",
            )
    ax.set_xticks(range(len(POINTS)), [f"f'({p:g})" for p in POINTS])
    ax.set_yticks(range(len(names)), names)
    ax.xaxis.tick_top()
    cb = fig.colorbar(im, ax=ax, fraction=0.05, ticks=range(-6, 1))
    cb.ax.set_yticklabels(["<= 1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1"])
    cb.set_label("|f'(x)|, log scale  (red: the gradient is killed)")
    ax.set_title(
        "Gradient each activation passes back at x = -10, 0, 10\n(minigrad autograd, float64)", fontsize=11, pad=28
    )
    fig.tight_layout()
    return save_figure(fig, out, "gradient_table.png")


def main(argv=None):
    p = parser(NAME, __doc__.split("\n\n")[0])
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    mg.manual_seed(args.seed)  # nothing here is random; kept for the common interface
    step = 0.05 if args.quick else 0.01
    x = np.round(np.arange(-6.0, 6.0 + step / 2, step), 10)
    wide_x = np.round(np.arange(-12.0, 12.0 + step / 2, step), 10)
    acts = activations()

    curves, wide, table, checks = {}, {}, {}, {}
    for name, fn, formula in acts:
        f, df = value_and_grad(fn, x)
        curves[name] = {"formula": formula, "f": f, "df": df}
        if name in WIDE:
            fw, dfw = value_and_grad(fn, wide_x)
            wide[name] = {"formula": formula, "f": fw, "df": dfw}
        fp, dfp = value_and_grad(fn, np.array(POINTS))
        table[name] = {f"{p:g}": {"f": float(a), "df": float(d)} for p, a, d in zip(POINTS, fp, dfp)}
        err, kinks = finite_difference_error(fn, x)
        checks[name] = {"max_abs_error": err, "kinks_skipped": kinks}

    print("f'(x) from minigrad's autograd (float64):")
    print(
        f"  {'activation':<14}{'f(-10)':>11}{'f(0)':>9}{'f(10)':>9}   {'f-prime(-10)':>13}{'f-prime(0)':>11}"
        f"{'f-prime(10)':>12}   {'autograd vs finite diff.':>24}"
    )
    for name, _, _ in acts:
        r = table[name]
        print(
            f"  {name:<14}{r['-10']['f']:>11.4g}{r['0']['f']:>9.4g}{r['10']['f']:>9.4g}   "
            f"{r['-10']['df']:>13.3g}{r['0']['df']:>11.3g}{r['10']['df']:>12.3g}   "
            f"{checks[name]['max_abs_error']:>24.1e}"
        )

    files = [
        plot_gallery(x, curves, args.out),
        plot_points(wide_x, wide, table, args.out),
        plot_table(table, args.out),
    ]
    record = {
        "x": x,
        "activations": curves,
        "wide_x": wide_x,
        "wide": {name: {"f": c["f"], "df": c["df"]} for name, c in wide.items()},
        "points": list(POINTS),
        "table": table,
        "finite_difference_check": checks,
        "saturation_threshold": SATURATED,
        "config": {"seed": args.seed, "quick": args.quick, "step": step, "dtype": "float64"},
        "figures": [f.name for f in files],
    }
    record["timing_s"] = round(time.perf_counter() - t0, 3)
    save_json(record, args.out, f"{NAME}.json")
    print(f"time: {record['timing_s']:.1f} s")
    return record


if __name__ == "__main__":
    main()
