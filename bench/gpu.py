"""The GPU benchmark: minigrad's CUDA backend against the card's copy bandwidth and PyTorch CUDA.

    python -m bench.gpu                    # the full sizes (an H100/H200: about two minutes)
    python -m bench.gpu --quick            # tiny sizes, one call, no warm-up: a smoke run (the simulator too)
    python -m bench.gpu --json out.json    # also write every number
    python -m bench.gpu --dry-run          # list what would be measured, at which size; run nothing

What it measures (the targets are issue 11's):

- **copy**: a device-to-device copy of N float32 values (CuPy's, what the kernels are held to),
  counted as 2 N 4 bytes (read + write). PyTorch's copy is reported beside it.
- **activations**: each activation's forward (reads x, writes y: 2 N 4 bytes) and backward (reads g
  and x, writes dx: 3 N 4 bytes) at N = 64M float32, as GB/s and as a fraction of the copy's.
  Target: every forward and backward at least 70% of the copy bandwidth.
- **normalisations**: forward + backward through autograd (input, weight and bias gradients) of
  BatchNorm2d, GroupNorm(32) and InstanceNorm2d on (256, 256, 32, 32) and LayerNorm on
  (8192, 8192), float32, against PyTorch's. Target: at most 1.5x PyTorch's time. GB/s counts the
  least traffic possible (x and y forward, g, x and dx backward: 5 N 4 bytes).
- **MLP step**: 10 x (Linear(512) + tanh), batch 512, float32, cross-entropy, SGD with momentum:
  zero_grad, forward, backward, step; TF32 off on both sides. Target: at most 3x PyTorch's time.
  The kernel launches of one step are counted (PyTorch's profiler sees every library's kernels)
  and so are minigrad's own Numba kernel launches.
- **CNN step**: a small CIFAR-sized CNN (two conv + BatchNorm + ReLU + max-pool blocks, a linear
  head), batch 128, the same loop; reported, no target.

Times: each callable runs ``--repeat`` batches of back-to-back calls after a warm-up (the first call
compiles the kernels), with a ``synchronize()`` at the end of each batch; the median batch gives the
time per call. Queued launches overlap the GPU's work, so a kernel's time is its GPU time when it is
longer than the launch's CPU cost, and a training step's time is what a user waits for, Python
included. Where PyTorch has no CUDA (or under the simulator) its times are CPU times and no
comparison is made.
"""

import argparse
import json
import math
import statistics
import sys
import time

M = 1 << 20
QUICK_N = 256  # --quick: elements of the copy and activation rows

ACTIVATIONS = {  # name: parameters after the input, as the backend contract takes them
    "sigmoid": (), "tanh": (), "relu": (), "relu6": (), "leaky_relu": (0.01,), "elu": (1.0,), "selu": (),
    "celu": (1.0,), "hardtanh": (-1.0, 1.0), "silu": (), "mish": (), "gelu": (), "softplus": (1.0, 20.0),
    "softsign": (), "hardsigmoid": (), "hardswish": (), "swish": (1.0,),
}  # fmt: skip
FROM_OUTPUT = {"sigmoid", "tanh"}  # differentiated from y

# name: (shape, minigrad functional call, the same in torch)
NORMS = {
    "batchnorm2d": ((256, 256, 32, 32), "batch_norm"),
    "groupnorm32": ((256, 256, 32, 32), "group_norm"),
    "instancenorm2d": ((256, 256, 32, 32), "instance_norm"),
    "layernorm": ((8192, 8192), "layer_norm"),
}

TARGETS = {"activation": 0.70, "norm": 1.5, "mlp": 3.0}


# ================================================================================================
# Timing
# ================================================================================================


def measure(fn, sync, repeat, calls, warmup=True):
    """Median seconds per call of ``fn`` over ``repeat`` batches of ``calls`` calls, after a warm-up."""
    if warmup:
        fn()
        sync()
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(calls):
            fn()
        sync()
        times.append((time.perf_counter() - t0) / calls)
    return statistics.median(times)


class Setup:
    """What the run uses: minigrad's CUDA backend and PyTorch (on its GPU when it has one)."""

    def __init__(self, quick):
        import numpy as np
        import torch

        import minigrad as mg
        from minigrad.backends import backend_for
        from minigrad.backends.cuda import compiler

        if not mg.cuda.is_available():
            raise SystemExit(f"bench.gpu: {mg.cuda.not_available_error()}")
        self.np, self.torch, self.mg = np, torch, mg
        self.backend = backend_for("cuda")
        self.compiler = compiler
        self.quick = quick
        self.torch_device = "cuda" if torch.cuda.is_available() and not mg.cuda.simulator() else "cpu"
        self.torch_cuda = self.torch_device == "cuda"
        if self.torch_cuda:  # full float32 products on both sides
            torch.backends.cuda.matmul.allow_tf32 = False
            torch.backends.cudnn.allow_tf32 = False
        self.repeat, self.calls = (1, 1) if quick else (7, 10)

    def mg_sync(self):
        self.mg.cuda.synchronize()

    def torch_sync(self):
        if self.torch_cuda:
            self.torch.cuda.synchronize()

    def time_mg(self, fn, calls=None):
        return measure(fn, self.mg_sync, self.repeat, calls or self.calls, warmup=not self.quick)

    def time_torch(self, fn, calls=None):
        return measure(fn, self.torch_sync, self.repeat, calls or self.calls, warmup=not self.quick)

    def randn(self, shape, seed=0):
        """float32 normal values on the device (drawn on the device where CuPy is there: 64M host draws are slow)."""
        xp = self.backend.xp
        if hasattr(xp, "random") and not self.mg.cuda.simulator():
            return xp.random.default_rng(seed).standard_normal(shape, dtype=xp.float32)
        return self.np.random.default_rng(seed).standard_normal(shape, dtype=self.np.float32)

    def to_torch(self, a):
        """PyTorch's view of a device array (CUDA array interface), or a CPU copy without torch CUDA."""
        if self.torch_cuda:
            return self.torch.as_tensor(a, device="cuda")
        return self.torch.from_numpy(self.np.array(self.backend.to_numpy(a)))


# ================================================================================================
# The measurements
# ================================================================================================


def card(s):
    import numba

    info = {
        "card": s.mg.cuda.get_device_name(),
        "compiler": s.compiler.COMPILER,
        "numba": numba.__version__,
        "torch": s.torch.__version__,
        "torch_device": s.torch_device,
        "simulator": s.mg.cuda.simulator(),
    }
    if not info["simulator"]:
        info["cupy"] = s.backend.xp.__version__
    return info


def copy_bandwidth(s, n):
    a = s.randn((n,))
    b = s.backend.empty((n,), a.dtype)

    def mg_copy():
        b[...] = a

    t = s.time_mg(mg_copy)
    ta, tb = s.to_torch(a), s.to_torch(b)
    tt = s.time_torch(lambda: tb.copy_(ta))
    nbytes = 2 * n * 4
    return {"n": n, "ms": t * 1e3, "gbps": nbytes / t / 1e9, "torch_ms": tt * 1e3, "torch_gbps": nbytes / tt / 1e9}


def activations(s, n, copy_gbps):
    """Each activation's forward and backward kernels, straight from the backend."""
    x, g = s.randn((n,), 1), s.randn((n,), 2)
    b = s.backend
    rows = {}
    for name, params in ACTIVATIONS.items():
        forward, backward = _kernels(b, name)
        y = forward(x, *params)
        saved = y if name in FROM_OUTPUT else x
        t_fwd = s.time_mg(lambda forward=forward, params=params: forward(x, *params))
        t_bwd = s.time_mg(lambda backward=backward, saved=saved, params=params: backward(g, saved, *params))
        fwd_gbps, bwd_gbps = 2 * n * 4 / t_fwd / 1e9, 3 * n * 4 / t_bwd / 1e9
        row = {"fwd_ms": t_fwd * 1e3, "bwd_ms": t_bwd * 1e3, "fwd_gbps": fwd_gbps, "bwd_gbps": bwd_gbps}
        row["fraction"] = min(fwd_gbps, bwd_gbps) / copy_gbps
        row["pass"] = None if s.mg.cuda.simulator() else row["fraction"] >= TARGETS["activation"]
        rows[name] = row
        del y, saved
    return rows


def _kernels(b, name):
    """The backend's forward and backward kernels of activation ``name`` (the table of this file)."""
    table = {
        "sigmoid": (b.sigmoid_forward, b.sigmoid_backward), "tanh": (b.tanh_forward, b.tanh_backward),
        "relu": (b.relu_forward, b.relu_backward), "relu6": (b.relu6_forward, b.relu6_backward),
        "leaky_relu": (b.leaky_relu_forward, b.leaky_relu_backward), "elu": (b.elu_forward, b.elu_backward),
        "selu": (b.selu_forward, b.selu_backward), "celu": (b.celu_forward, b.celu_backward),
        "hardtanh": (b.hardtanh_forward, b.hardtanh_backward), "silu": (b.silu_forward, b.silu_backward),
        "mish": (b.mish_forward, b.mish_backward), "gelu": (b.gelu_forward, b.gelu_backward),
        "softplus": (b.softplus_forward, b.softplus_backward),
        "softsign": (b.softsign_forward, b.softsign_backward),
        "hardsigmoid": (b.hardsigmoid_forward, b.hardsigmoid_backward),
        "hardswish": (b.hardswish_forward, b.hardswish_backward),
        "swish": (b.swish_forward, lambda g, x, beta: b.swish_backward(g, x, beta)[0]),
    }  # fmt: skip
    return table[name]


def _norm_call(lib, fn, x, w, b, shape):
    """``fn`` of minigrad's or PyTorch's functional module on x with its affine parameters."""
    if fn == "batch_norm":
        return lib.batch_norm(x, None, None, w, b, training=True)
    if fn == "group_norm":
        return lib.group_norm(x, min(32, shape[1] // 2), w, b)
    if fn == "instance_norm":
        return lib.instance_norm(x, weight=w, bias=b)
    return lib.layer_norm(x, shape[-1:], w, b)


def _norm_steps(s, fn, shape):
    """(minigrad's, PyTorch's) forward + backward of norm ``fn`` on the same data of ``shape``."""
    import minigrad.nn.functional as F

    C = shape[-1] if fn == "layer_norm" else shape[1]
    x, g = s.randn(shape, 3), s.randn(shape, 4)
    w, bias = s.backend.ones((C,), x.dtype), s.backend.zeros((C,), x.dtype)
    mx, mw, mb = (s.mg.Tensor._wrap(a, "cuda").requires_grad_() for a in (x, w, bias))
    mg_g = s.mg.Tensor._wrap(g, "cuda")

    def mg_step():
        mx.grad = mw.grad = mb.grad = None
        _norm_call(F, fn, mx, mw, mb, shape).backward(mg_g)

    tx, tw, tb = (s.to_torch(a).clone().requires_grad_() for a in (x, w, bias))
    tg = s.to_torch(g)

    def torch_step():
        tx.grad = tw.grad = tb.grad = None
        _norm_call(s.torch.nn.functional, fn, tx, tw, tb, shape).backward(tg)

    return mg_step, torch_step


def norms(s, quick):
    rows = {}
    for name, (shape, fn) in NORMS.items():
        if quick:
            shape = (2, 4, 2, 2) if len(shape) == 4 else (4, 8)
        mg_step, torch_step = _norm_steps(s, fn, shape)
        calls = 1 if quick else 3  # each call moves about 1.3 GB
        t, tt = s.time_mg(mg_step, calls), s.time_torch(torch_step, calls)
        row = {"shape": list(shape), "ms": t * 1e3, "gbps": 5 * math.prod(shape) * 4 / t / 1e9, "torch_ms": tt * 1e3}
        row["ratio"] = t / tt
        row["pass"] = row["ratio"] <= TARGETS["norm"] if s.torch_cuda else None
        rows[name] = row
    return rows


def _mlp(lib, width, depth):
    layers = []
    for _ in range(depth):
        layers += [lib.Linear(width, width), lib.Tanh()]
    return lib.Sequential(*layers)


def _cnn(lib, side, c1=32, c2=64):
    return lib.Sequential(
        lib.Conv2d(3, c1, 3, padding=1), lib.BatchNorm2d(c1), lib.ReLU(), lib.MaxPool2d(2),
        lib.Conv2d(c1, c2, 3, padding=1), lib.BatchNorm2d(c2), lib.ReLU(), lib.MaxPool2d(2),
        lib.Flatten(), lib.Linear(c2 * (side // 4) ** 2, 10),
    )  # fmt: skip


def training_steps(s, quick):
    """The deep-MLP and the CNN training steps, minigrad on "cuda" and PyTorch on its device."""
    import minigrad.nn as nn
    import minigrad.nn.functional as F
    from minigrad import optim

    torch = s.torch
    width, batch, images, side, channels = (8, 4, 2, 4, (2, 4)) if quick else (512, 512, 128, 32, (32, 64))
    cases = {
        "mlp": (lambda lib: _mlp(lib, width, 10), (batch, width), width),
        "cnn": (lambda lib: _cnn(lib, side, *channels), (images, 3, side, side), 10),
    }
    rows = {}
    for name, (make, shape, classes) in cases.items():
        s.mg.manual_seed(0)
        model = make(nn).to("cuda")
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        x = s.mg.Tensor._wrap(s.randn(shape, 5), "cuda")
        y = s.mg.randint(0, classes, (shape[0],), device="cuda")

        def mg_step(model=model, opt=opt, x=x, y=y):
            opt.zero_grad()
            F.cross_entropy(model(x), y).backward()
            opt.step()

        torch.manual_seed(0)
        tmodel = make(torch.nn).to(s.torch_device)
        topt = torch.optim.SGD(tmodel.parameters(), lr=0.01, momentum=0.9)
        tx, ty = s.to_torch(x.array), s.to_torch(y.array)

        def torch_step(tmodel=tmodel, topt=topt, tx=tx, ty=ty):
            topt.zero_grad()
            torch.nn.functional.cross_entropy(tmodel(tx), ty).backward()
            topt.step()

        t, tt = s.time_mg(mg_step), s.time_torch(torch_step)
        row = {"ms": t * 1e3, "torch_ms": tt * 1e3, "ratio": t / tt}
        row.update(launches(s, mg_step, torch_step))
        if name == "mlp":
            row["pass"] = row["ratio"] <= TARGETS["mlp"] if s.torch_cuda else None
        row["label"] = f"10x(Linear({width})+tanh) b{batch}" if name == "mlp" else f"small CNN b{images} {side}x{side}"
        rows[name] = row
    return rows


def launches(s, mg_step, torch_step):
    """Kernel launches of one step: minigrad's Numba kernels (counted by compiler.Kernel), and every GPU
    kernel of each framework's step as PyTorch's profiler (CUPTI) records them, where it can."""
    counter = s.compiler.Kernel
    before = counter.launches
    mg_step()
    s.mg_sync()
    out = {"numba_launches": counter.launches - before}
    if not s.torch_cuda:
        return out
    try:
        from torch.profiler import ProfilerActivity, profile

        for key, step, sync in (("kernels", mg_step, s.mg_sync), ("torch_kernels", torch_step, s.torch_sync)):
            with profile(activities=[ProfilerActivity.CUDA]) as prof:
                step()
                sync()
            out[key] = sum(1 for e in prof.events() if e.device_type.name == "CUDA" and "memcpy" not in e.name.lower())
    except Exception as e:  # noqa: BLE001 (no CUPTI in this container: the Numba count stays)
        out["profiler_error"] = f"{type(e).__name__}: {e}"[:200]
    return out


# ================================================================================================
# The table
# ================================================================================================


def _mark(ok):
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


def table(r):
    lines = []
    c = r["card"]
    sim = "   [SIMULATOR: the times mean nothing]" if c["simulator"] else ""
    lines.append(f"card: {c['card']}   compiler: {c['compiler']} (numba {c['numba']})   torch {c['torch']} "
                 f"on {c['torch_device']}{sim}")  # fmt: skip
    cp = r["copy"]
    lines.append(f"device-to-device copy of {cp['n']} float32: {cp['gbps']:.0f} GB/s (CuPy), "
                 f"{cp['torch_gbps']:.0f} GB/s (PyTorch)")  # fmt: skip
    lines.append("")
    size = f"{cp['n'] // M}M" if cp["n"] >= M else str(cp["n"])
    head = f"activation ({size} f32)".ljust(23)
    lines.append(f"{head}fwd ms   bwd ms   fwd GB/s   bwd GB/s   min/copy   target >= {TARGETS['activation']:.0%}")
    for name, a in r["activations"].items():
        lines.append(f"  {name:<18} {a['fwd_ms']:8.3f} {a['bwd_ms']:8.3f} {a['fwd_gbps']:10.0f} {a['bwd_gbps']:10.0f}"
                     f" {a['fraction']:9.0%}   {_mark(a['pass'])}")  # fmt: skip
    lines.append("")
    lines.append(f"norm fwd+bwd (f32)            ms     GB/s   torch ms   ratio   target <= {TARGETS['norm']}x")
    for name, n in r["norms"].items():
        shape = "x".join(map(str, n["shape"]))
        lines.append(f"  {name:<14} {shape:<14} {n['ms']:7.2f} {n['gbps']:8.0f} {n['torch_ms']:10.2f} "
                     f"{n['ratio']:6.2f}x   {_mark(n['pass'])}")  # fmt: skip
    lines.append("")
    lines.append("training step                  ms   torch ms   ratio   launches (minigrad / torch, numba)   target")
    for name, t in r["steps"].items():
        label = t["label"]
        count = f"{t.get('kernels', '?')} / {t.get('torch_kernels', '?')}, {t['numba_launches']}"
        target = f"<= {TARGETS['mlp']}x {_mark(t['pass'])}" if name == "mlp" else "-"
        lines.append(f"  {label:<26} {t['ms']:8.2f} {t['torch_ms']:9.2f} {t['ratio']:6.2f}x   {count:<36} {target}")
    return "\n".join(lines)


def plan(quick):
    """What a run measures, and at which sizes (--dry-run)."""
    n = QUICK_N if quick else 64 * M
    names = ", ".join(ACTIVATIONS)
    lines = [f"copy: {n} float32 (CuPy and PyTorch)",
             f"activations ({len(ACTIVATIONS)}): forward and backward at {n} float32: {names}"]  # fmt: skip
    for name, (shape, _) in NORMS.items():
        lines.append(f"norm {name}: forward + backward at {shape if not quick else 'tiny'} float32")
    lines.append(f"mlp step: 10 x (Linear({16 if quick else 512}) + tanh), batch {8 if quick else 512}, SGD momentum")
    lines.append(f"cnn step: 2 conv blocks + linear, batch {2 if quick else 128}, {'3x8x8' if quick else '3x32x32'}")
    return "\n".join(lines)


def main(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench.gpu", description=__doc__.split("\n\n")[0])
    p.add_argument("--quick", action="store_true", help="tiny sizes and one repeat: a smoke run")
    p.add_argument("--json", help="write every number to this file")
    p.add_argument("--dry-run", action="store_true", help="print what would be measured and exit")
    args = p.parse_args(argv)
    if args.dry_run:
        print(plan(args.quick))
        return 0
    s = Setup(args.quick)
    n = QUICK_N if args.quick else 64 * M
    r = {"card": card(s)}
    print(f"[bench.gpu] {r['card']['card']}: copy bandwidth", flush=True)
    r["copy"] = copy_bandwidth(s, n)
    print("[bench.gpu] activations", flush=True)
    r["activations"] = activations(s, n, r["copy"]["gbps"])
    print("[bench.gpu] normalisations", flush=True)
    r["norms"] = norms(s, args.quick)
    print("[bench.gpu] training steps", flush=True)
    r["steps"] = training_steps(s, args.quick)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(r, f, indent=1)
    print()
    print(table(r))
    return 0


if __name__ == "__main__":
    sys.exit(main())
