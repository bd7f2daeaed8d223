"""Per-layer activation and gradient statistics: the lecture's checks, on any model, in two lines.

Lecture 4 reads a network's health off a few numbers per layer (slides 5-12 and 26-31): do the
activations keep their scale from layer to layer, or shrink to zero (too-small weights) or pile up
at +-1 (too-large weights, tanh saturates)? Do the gradients reach the first layers, or vanish?
Are ReLU units dead? A :class:`Recorder` attaches hooks to a model and measures exactly that::

    from minigrad import diagnostics

    rec = diagnostics.record(model, x, y, loss_fn=F.cross_entropy)   # one forward + backward
    print(rec.summary())

or, around your own training step::

    with diagnostics.Recorder(model) as rec:       # the hooks come off at the end of the block
        loss = F.cross_entropy(model(x), y)
        loss.backward()
    rec.stats["1"]["act"]["std"]                    # the output std of the module named "1"
    rec.series("act", "std")                        # the same, for every recorded layer in order

What is measured, for each recorded module (by default every module without children):

``act`` -- the module's output on the batch (a forward hook, ``register_forward_hook``):
    ``mean``, ``std``, ``min``, ``max``, ``abs_mean``, ``hist`` (``counts`` and ``edges``);
    ``saturated_fraction``: for an activation with a bounded range (tanh (-1, 1), sigmoid (0, 1),
    hardtanh, ReLU6, hardsigmoid, softsign) the fraction of outputs within 1% of a bound of that
    range (see ``saturation``), where the local gradient f'(x) is almost 0: tanh'(x) = 1 - y^2 <
    0.02 once |y| > 0.99. ``None`` for unbounded outputs (ReLU, Linear);
    ``zero_fraction``: the fraction of outputs that are exactly 0 (about half for a healthy ReLU);
    ``dead_fraction`` / ``dead_units``: the units whose output is exactly 0 on *every* example of
    the batch. A unit is one position of the output without its batch dimension (a feature of a
    Linear output, a (channel, y, x) cell of a convolution's). A ReLU unit that outputs 0 for every
    input also passes back zero gradient for every input, so its weights never change again: the
    lecture's dead ReLU (slide 11);
    ``never_positive_fraction`` / ``never_positive_units``: the units whose output is <= 0 on every
    example. Recorded on the Linear layer *before* an activation, these are the units knocked off the
    data manifold: dead behind a ReLU, but still learning behind a Leaky ReLU, PReLU or ELU, whose
    gradient for x < 0 is not 0.

``grad_output`` -- dL/d(output of the module), the gradient arriving from above, and
``grad_input`` -- dL/d(input of the module), what it passes further down (a full backward hook,
    ``register_full_backward_hook``): ``mean``, ``std``, ``min``, ``max``, ``abs_mean``, ``hist``,
    ``zero_fraction``. For an activation, ``grad_input = grad_output * f'(x)``: their ratio is the
    gradient the nonlinearity lets through (0 where it saturates, or where a ReLU is off).
    ``grad_input`` is ``None`` for a module whose input needs no gradient (the first layer).

``weight_grad`` -- dL/dW of the module's ``weight`` (a hook on the Parameter): ``abs_mean`` (the
    lecture's per-layer mean |dL/dW|, the number that goes to 0 layer by layer when gradients
    vanish), ``mean``, ``std``, ``max_abs``, ``zero_fraction``, and ``zero_rows_fraction``: the
    fraction of output units whose whole row of dL/dW is exactly zero (the weights of dead units);
    plus ``weight_std`` and ``weight_abs_mean``, the scale of W itself.

All statistics are computed in float64 on the host, at the moment the hook runs (no copy of the
arrays is kept unless ``keep_values=True``), and each new forward (backward) pass replaces the
previous one's. A module called twice in one pass reports its last call.
"""

from __future__ import annotations

import math

import numpy as np

from minigrad.tensor import Tensor

__all__ = ["Recorder", "output_bounds", "record", "tensor_stats"]


# ------------------------------------------------------------------------------------------------
# The statistics of one array
# ------------------------------------------------------------------------------------------------


def _host(t):
    """A Tensor (any device) or array as a NumPy array, without a graph."""
    if isinstance(t, Tensor):
        return np.asarray(t.detach()._host_array())
    return np.asarray(t)


def tensor_stats(values, *, bins=50, range=None, bounds=None, saturation=0.99, units=True):
    """The statistics the Recorder stores for one array, as a dict (see the module docstring).

    ``values``: a Tensor or array whose first dimension is the batch. ``bins``: the number of
    histogram bins, or their edges. ``range``: (lo, hi) of the histogram; ``None`` uses ``bounds``
    when given, else the data's min and max. ``bounds``: (lo, hi) of the function's range, for
    ``saturated_fraction`` (``None``: not bounded, the fraction is ``None``). ``saturation``: a value
    is saturated when it lies in the outer ``1 - saturation`` of the half-range at either end, i.e.
    when |2 (a - lo) / (hi - lo) - 1| > saturation: |a| > 0.99 for tanh, a < 0.005 or a > 0.995 for
    sigmoid (the same x as for tanh, since sigmoid(x) = (1 + tanh(x / 2)) / 2). ``units``: also count
    dead units (all-zero columns over the batch).
    """
    a = _host(values).astype(np.float64, copy=False)
    n = a.size
    out = {"shape": list(a.shape), "numel": int(n)}
    if n == 0:
        out.update(mean=math.nan, std=math.nan, min=math.nan, max=math.nan, abs_mean=math.nan)
        return out
    finite = np.isfinite(a)
    all_finite = bool(finite.all())
    out["mean"] = float(a.mean())
    out["std"] = float(a.std())
    out["min"] = float(a.min())
    out["max"] = float(a.max())
    out["abs_mean"] = float(np.abs(a).mean())
    out["nonfinite_fraction"] = 0.0 if all_finite else float(1.0 - finite.mean())
    zero = a == 0
    out["zero_fraction"] = float(zero.mean())
    if bins is not None:
        if range is None:
            range = bounds
        if range is None:
            fin = a if all_finite else a[finite]
            lo, hi = (float(fin.min()), float(fin.max())) if fin.size else (0.0, 1.0)
            range = (lo, hi) if hi > lo else (lo - 0.5, hi + 0.5)
        data = a if all_finite else a[finite]
        if np.ndim(bins) == 0:
            counts, edges = np.histogram(data, bins=int(bins), range=tuple(float(r) for r in range))
        else:
            counts, edges = np.histogram(data, bins=np.asarray(bins, dtype=np.float64))
        out["hist"] = {"counts": counts, "edges": edges}
    if bounds is not None:
        lo, hi = float(bounds[0]), float(bounds[1])
        u = np.abs(2.0 * (a - lo) / (hi - lo) - 1.0)
        out["saturated_fraction"] = float((u > saturation).mean())
    else:
        out["saturated_fraction"] = None
    if units:
        rows = a.shape[0] if a.ndim >= 2 else 1
        dead = zero.reshape(rows, -1).all(axis=0)
        off = (a <= 0).reshape(rows, -1).all(axis=0)
        out["units"] = int(dead.size)
        out["dead_units"] = int(dead.sum())
        out["dead_fraction"] = float(dead.mean())
        out["never_positive_units"] = int(off.sum())
        out["never_positive_fraction"] = float(off.mean())
    return out


def _weight_grad_stats(grad, weight):
    g = _host(grad)
    w = _host(weight)
    abs_g = np.abs(g)
    rows = ~g.reshape(g.shape[0], -1).any(axis=1) if g.ndim >= 1 and g.size else np.zeros(0, bool)
    return {
        "shape": list(g.shape),
        "abs_mean": float(abs_g.mean(dtype=np.float64)),
        "mean": float(g.mean(dtype=np.float64)),
        "std": float(g.std(dtype=np.float64)),
        "max_abs": float(abs_g.max()),
        "zero_fraction": float(1.0 - np.count_nonzero(g) / g.size),
        "zero_rows_fraction": float(rows.mean()) if rows.size else 0.0,
        "zero_rows": int(rows.sum()),
        "weight_std": float(w.std(dtype=np.float64)),
        "weight_abs_mean": float(np.abs(w).mean(dtype=np.float64)),
    }


# ------------------------------------------------------------------------------------------------
# Which activations are bounded
# ------------------------------------------------------------------------------------------------


def output_bounds(module):
    """(lo, hi) of ``module``'s output range when it is a bounded activation, else ``None``.

    Tanh and Softsign (-1, 1); Sigmoid and Hardsigmoid (0, 1); Hardtanh (min_val, max_val), which
    covers ReLU6 (0, 6). ReLU, Leaky ReLU, ELU, ... and linear layers are unbounded above: ``None``.
    """
    from minigrad import nn

    if isinstance(module, nn.Hardtanh):  # ReLU6 is a Hardtanh(0, 6)
        return (float(module.min_val), float(module.max_val))
    for names, bounds in ((("Tanh", "Softsign"), (-1.0, 1.0)), (("Sigmoid", "Hardsigmoid"), (0.0, 1.0))):
        for name in names:
            cls = getattr(nn, name, None)
            if cls is not None and isinstance(module, cls):
                return bounds
    return None


# ------------------------------------------------------------------------------------------------
# The Recorder
# ------------------------------------------------------------------------------------------------


def _first_tensor(value):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (tuple, list)):
        for v in value:
            if isinstance(v, Tensor):
                return v
    return None


class _LeafHookHandle:
    """``param.register_hook(hook)`` whose ``remove()`` takes the hook out of the list the Parameter
    holds now. (``Tensor.register_hook`` on a leaf replaces ``_hooks`` with a new list each time, so
    its own handle can miss a hook once a second one has been registered.)"""

    def __init__(self, param, hook):
        self.param, self.hook = param, hook
        param.register_hook(hook)

    def remove(self):
        hooks = getattr(self.param, "_hooks", None)
        if hooks and self.hook in hooks:
            self.param._hooks = [h for h in hooks if h is not self.hook] or None


class Recorder:
    """Hooks on a model's layers that record activation and gradient statistics per layer.

    ``Recorder(model, layers=None, *, bins=50, range=None, grad_range=None, saturation=0.99,
    bounds=None, gradients=True, weight_grads=True, keep_values=False)``

    - ``layers``: which modules to watch. ``None``: every module without children (the model itself
      if it has none); a module class or tuple of classes (``(nn.Linear,)``, ``(nn.Tanh, nn.ReLU)``);
      or a list of module names (as in ``model.named_modules()``) and/or module objects.
    - ``bins``, ``range``: the activation histograms (``range=None``: the activation's bounds when it
      is bounded, else each batch's min and max); ``grad_range`` the same for the gradients.
    - ``saturation``, ``bounds``: see :func:`tensor_stats`; ``bounds`` maps module classes to (lo, hi)
      and adds to / overrides :func:`output_bounds`.
    - ``gradients``: record ``grad_output`` / ``grad_input`` (full backward hooks);
      ``weight_grads``: record dL/dW (a hook on each watched module's ``weight``).
    - ``keep_values``: also keep a copy of the last activation and output gradient arrays in
      ``rec.values[name]`` and ``rec.grad_values[name]`` (for your own plots).

    Results: ``rec.names`` (watched layers, in the order the forward pass reached them),
    ``rec.stats[name]`` (``{"type", "act", "grad_output", "grad_input", "weight_grad"}``),
    ``rec.series(kind, key)``, ``rec.summary()``, ``rec.to_dict()``. Stop recording with
    ``rec.remove()`` or by using the Recorder as a context manager; ``rec.reset()`` forgets the numbers.
    """

    def __init__(
        self,
        model,
        layers=None,
        *,
        bins=50,
        range=None,
        grad_range=None,
        saturation=0.99,
        bounds=None,
        gradients=True,
        weight_grads=True,
        keep_values=False,
    ):
        if not 0 < saturation < 1:
            raise ValueError(f"Recorder: saturation must be in (0, 1), got {saturation}")
        self.model = model
        self.bins, self.range, self.grad_range = bins, range, grad_range
        self.saturation = saturation
        self._bounds_override = dict(bounds or {})
        self.keep_values = keep_values
        self.modules = self._select(model, layers)
        if not self.modules:
            raise ValueError(f"Recorder: no module of the model matches layers={layers!r}")
        self._names = {id(m): n for n, m in self.modules}
        self.names = []  # forward order
        self.stats = {}
        self.values, self.grad_values = {}, {}
        self._handles = []
        for name, m in self.modules:
            self._handles.append(m.register_forward_hook(self._forward_hook))
            if gradients:
                self._handles.append(m.register_full_backward_hook(self._backward_hook))
            w = getattr(m, "_parameters", {}).get("weight")
            if weight_grads and w is not None and w.requires_grad:
                self._handles.append(_LeafHookHandle(w, self._weight_hook(name, m)))

    # ---- choosing the layers -----------------------------------------------------------------
    @staticmethod
    def _select(model, layers):
        named = [(n or "model", m) for n, m in model.named_modules()]
        if layers is None:
            leaves = [(n, m) for n, m in named if not any(True for _ in m.children())]
            return leaves
        if isinstance(layers, type) or (isinstance(layers, tuple) and all(isinstance(t, type) for t in layers)):
            return [(n, m) for n, m in named if isinstance(m, layers)]
        by_name = dict(named)
        by_id = {id(m): n for n, m in named}
        chosen = []
        for item in layers:
            if isinstance(item, str):
                if item not in by_name:
                    raise KeyError(f"Recorder: the model has no module named {item!r}; names: {list(by_name)}")
                chosen.append((item, by_name[item]))
            elif id(item) in by_id:
                chosen.append((by_id[id(item)], item))
            else:
                raise ValueError(f"Recorder: {type(item).__name__} object is not a module of this model")
        return chosen

    def _bounds(self, module):
        for cls, b in self._bounds_override.items():
            if isinstance(module, cls):
                return b
        return output_bounds(module)

    def _entry(self, module):
        name = self._names[id(module)]
        if name not in self.stats:
            self.stats[name] = {"type": type(module).__name__}
        return name, self.stats[name]

    # ---- the hooks -------------------------------------------------------------------------------
    def _forward_hook(self, module, inputs, output):
        out = _first_tensor(output)
        if out is None:
            return None
        name, entry = self._entry(module)
        if name not in self.names:
            self.names.append(name)
        bounds = self._bounds(module)
        entry["act"] = tensor_stats(out, bins=self.bins, range=self.range, bounds=bounds, saturation=self.saturation)
        entry["bounds"] = list(bounds) if bounds is not None else None
        if self.keep_values:
            self.values[name] = _host(out).copy()
        return None

    def _backward_hook(self, module, grad_input, grad_output):
        name, entry = self._entry(module)
        g_out = _first_tensor(grad_output)
        g_in = _first_tensor(grad_input)
        kw = dict(bins=self.bins, range=self.grad_range, bounds=None, units=False)
        entry["grad_output"] = tensor_stats(g_out, **kw) if g_out is not None else None
        entry["grad_input"] = tensor_stats(g_in, **kw) if g_in is not None else None
        if self.keep_values and g_out is not None:
            self.grad_values[name] = _host(g_out).copy()
        return None

    def _weight_hook(self, name, module):
        def hook(grad):
            entry = self.stats.setdefault(name, {"type": type(module).__name__})
            entry["weight_grad"] = _weight_grad_stats(grad, module.weight)
            return None

        return hook

    # ---- results ---------------------------------------------------------------------------------
    def name_of(self, module):
        """The name under which ``module`` is recorded (its name in ``model.named_modules()``)."""
        try:
            return self._names[id(module)]
        except KeyError:
            raise KeyError(f"Recorder: {type(module).__name__} object is not a recorded layer") from None

    def series(self, kind, key, default=None):
        """``[stats[name][kind][key] for name in names]``: e.g. ``series("act", "std")`` for a plot of
        the activations' std against depth, ``series("weight_grad", "abs_mean")`` for mean |dL/dW|.
        Layers without that entry give ``default``."""
        out = []
        for name in self.names:
            entry = self.stats.get(name, {}).get(kind)
            out.append(default if entry is None else entry.get(key, default))
        return out

    def summary(self):
        """A table, one line per recorded layer, of the numbers a student checks first."""

        def fmt(v, spec=".3g"):
            return "-" if v is None else format(v, spec)

        header = (
            f"{'layer':<18}{'act mean':>10}{'act std':>10}{'sat %':>7}{'zero %':>8}{'dead %':>8}"
            f"{'grad std':>11}{'|dL/dW|':>11}"
        )
        lines = [header, "-" * len(header)]
        for name in self.names:
            e = self.stats[name]
            act = e.get("act", {})
            go = e.get("grad_output") or {}
            wg = e.get("weight_grad") or {}
            sat = act.get("saturated_fraction")
            label = f"{name} ({e['type']})"
            lines.append(
                f"{label[:17]:<18}{fmt(act.get('mean')):>10}{fmt(act.get('std')):>10}"
                f"{fmt(None if sat is None else 100 * sat, '.1f'):>7}"
                f"{fmt(100 * act['zero_fraction'] if 'zero_fraction' in act else None, '.1f'):>8}"
                f"{fmt(100 * act['dead_fraction'] if 'dead_fraction' in act else None, '.1f'):>8}"
                f"{fmt(go.get('std')):>11}{fmt(wg.get('abs_mean')):>11}"
            )
        return "\n".join(lines)

    __str__ = summary

    def to_dict(self):
        """The statistics as plain Python values (lists, floats, None), ready for ``json.dump``."""

        def plain(v):
            if isinstance(v, dict):
                return {k: plain(x) for k, x in v.items()}
            if isinstance(v, (list, tuple)):
                return [plain(x) for x in v]
            if isinstance(v, np.ndarray):
                return v.tolist()
            if isinstance(v, np.generic):
                return v.item()
            return v

        return {name: plain(self.stats[name]) for name in self.names}

    def reset(self):
        """Forget the recorded numbers (the hooks stay)."""
        self.names, self.stats, self.values, self.grad_values = [], {}, {}, {}

    def remove(self):
        """Take every hook off the model (the numbers recorded so far stay)."""
        for h in self._handles:
            h.remove()
        self._handles = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False

    def __repr__(self):
        return f"Recorder({len(self.modules)} layers, {len(self.names)} recorded)"


def record(model, input, target=None, loss_fn=None, **kwargs):
    """Run ``model(input)`` once under a :class:`Recorder` and return the Recorder (hooks removed).

    With ``loss_fn``, also back-propagate ``loss_fn(output, target)`` (``loss_fn(output)`` when
    ``target`` is None), so the gradient statistics are filled in; the parameters' ``.grad`` is left
    as that backward pass made it. ``kwargs`` go to the Recorder (``layers=``, ``bins=``, ...).
    """
    rec = Recorder(model, **kwargs)
    try:
        out = model(input)
        if loss_fn is not None:
            loss = loss_fn(out) if target is None else loss_fn(out, target)
            loss.backward()
    finally:
        rec.remove()
    return rec
