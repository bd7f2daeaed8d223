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

All in float64, so that tanh'(10) = 8.2e-9 is not rounded to 0 (in float32, tanh(10) == 1 exactly),
on the chosen --device (with --device cuda the CUDA kernels compute the curves, copied back to plot).
"""

import time

import numpy as np
from common import parser, save_outputs
from figures import activation_gallery as figures

import minigrad as mg
from minigrad import nn

POINTS = (-10.0, 0.0, 10.0)  # the lecture's question
SATURATED = 0.01  # f'(x) below this: (almost) no gradient flows back
WIDE = ["Sigmoid", "Tanh", "ReLU", "LeakyReLU", "ELU", "Softsign"]  # drawn on [-12, 12] with the points


def _maxout(device):
    """A Maxout unit with two pieces on a scalar input: max(x, -0.3 x - 0.5)."""
    m = nn.Maxout(1, 1, pieces=2).double()
    with mg.no_grad():
        m.weight.copy_(np.array([[1.0], [-0.3]]))
        m.bias.copy_(np.array([0.0, -0.5]))
    m.to(device)
    return lambda x: m(x.reshape(-1, 1)).reshape(-1)


def activations(device):
    """(name, function of a float64 tensor on ``device``, formula in matplotlib's mathtext), in the
    lecture's order."""
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
    return [(name, _maxout(device) if m is None else m.to(device), formula) for name, m, formula in mods]


def value_and_grad(fn, x, device):
    """f(x) and f'(x) by autograd on ``device``: y = f(x), y.sum().backward(), f'(x) = x.grad; both
    as NumPy arrays."""
    xt = mg.tensor(np.asarray(x, dtype=np.float64), device=device, requires_grad=True)
    y = fn(xt)
    y.sum().backward()
    return y.detach().cpu().numpy().copy(), xt.grad.cpu().numpy().copy()


def finite_difference_error(fn, x, device, h=1e-6):
    """Largest |autograd f'(x) - central difference| over x, skipping kinks (where the one-sided
    differences disagree: there the derivative is a convention, e.g. relu'(0) = 0)."""
    _, df = value_and_grad(fn, x, device)
    with mg.no_grad():

        def f(v):
            return fn(mg.tensor(v, device=device)).cpu().numpy()

        fx, fp, fm = f(x), f(x + h), f(x - h)
    right, left = (fp - fx) / h, (fx - fm) / h
    smooth = np.abs(right - left) < 1e-3
    central = (fp - fm) / (2 * h)
    return float(np.max(np.abs(df - central)[smooth])), int((~smooth).sum())


def main(argv=None):
    args = parser(__file__, __doc__).parse_args(argv)
    t0 = time.perf_counter()
    mg.manual_seed(args.seed)  # nothing here is random; kept for the common interface
    step = 0.05 if args.quick else 0.01
    x = np.round(np.arange(-6.0, 6.0 + step / 2, step), 10)
    wide_x = np.round(np.arange(-12.0, 12.0 + step / 2, step), 10)
    acts = activations(args.device)

    curves, wide, table, checks = {}, {}, {}, {}
    for name, fn, formula in acts:
        f, df = value_and_grad(fn, x, args.device)
        curves[name] = {"formula": formula, "f": f, "df": df}
        if name in WIDE:
            fw, dfw = value_and_grad(fn, wide_x, args.device)
            wide[name] = {"f": fw, "df": dfw}
        fp, dfp = value_and_grad(fn, np.array(POINTS), args.device)
        table[name] = {f"{p:g}": {"f": float(a), "df": float(d)} for p, a, d in zip(POINTS, fp, dfp)}
        err, kinks = finite_difference_error(fn, x, args.device)
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

    record = {
        "x": x,
        "activations": curves,
        "wide_x": wide_x,
        "wide": wide,
        "points": list(POINTS),
        "table": table,
        "finite_difference_check": checks,
        "saturation_threshold": SATURATED,
        "config": {"seed": args.seed, "quick": args.quick, "step": step, "dtype": "float64"},
    }
    record["timing_s"] = round(time.perf_counter() - t0, 3)
    figs = {
        "activations.png": figures.activations(record),
        "gradients_at_-10_0_10.png": figures.gradients_at_points(record),
        "gradient_table.png": figures.gradient_table(record),
    }
    return save_outputs(args, record, figs)


if __name__ == "__main__":
    main()
