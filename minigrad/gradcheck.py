"""``mg.gradcheck``: compare analytic gradients with finite differences, as ``torch.autograd.gradcheck``.

For a function f of inputs x (float64 tensors that require grad), for every output element and
every input element:

    numerical  J[i, j] = (f(x + eps e_j)_i - f(x - eps e_j)_i) / (2 eps)      (central differences)
    analytical J[i, j] = the j-th entry of the gradient that backward() sends for the seed e_i

and each pair must satisfy |numerical - analytical| <= atol + rtol |numerical|. The Jacobians are
compared on the host (NumPy, float64); the function runs on its inputs' device.
"""

import numpy as np

from minigrad.autograd import no_grad, run_backward
from minigrad.tensor import Tensor


class GradcheckError(RuntimeError):
    pass


def _outputs(fn, inputs):
    out = fn(*inputs)
    return list(out) if isinstance(out, (tuple, list)) else [out]


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, raise_exception=True):
    """True when the analytic gradients of ``fn`` at ``inputs`` match central differences."""
    inputs = tuple(inputs) if isinstance(inputs, (tuple, list)) else (inputs,)
    diff = [t for t in inputs if isinstance(t, Tensor) and t.requires_grad]
    if not diff:
        raise ValueError("gradcheck: at least one input must be a tensor with requires_grad=True")
    for t in diff:
        if t.dtype != np.float64:
            raise ValueError(f"gradcheck: inputs should be float64 (got {t.dtype}); float32 differences are too noisy")

    outs = [o for o in _outputs(fn, inputs) if isinstance(o, Tensor) and o.dtype.kind == "f"]

    def evaluate():
        outputs = [o for o in _outputs(fn, inputs) if isinstance(o, Tensor) and o.dtype.kind == "f"]
        return np.concatenate([o._host_array().astype(np.float64).reshape(-1) for o in outputs])

    # numerical Jacobian, one input element at a time (changed in place, then restored)
    numerical = []
    for t in diff:
        cols = []
        for j in np.ndindex(t.shape):
            old = t.array[j].copy()  # a 0-d array of the tensor's device
            with no_grad():
                t.array[j] = old + eps
                plus = evaluate()
                t.array[j] = old - eps
                minus = evaluate()
                t.array[j] = old
            cols.append((plus - minus) / (2 * eps))
        numerical.append(np.stack(cols, axis=1) if cols else np.zeros((sum(o.numel() for o in outs), 0)))

    # analytical Jacobian, one output element at a time
    sizes = [o.numel() for o in outs]
    analytical = [np.zeros((sum(sizes), t.numel())) for t in diff]
    row = 0
    for k, o in enumerate(outs):
        for i in range(o.numel()):
            for t in diff:
                t.grad = None
            seeds = [q._backend().zeros(q.shape, q.dtype) for q in outs]
            seeds[k].reshape(-1)[i] = 1.0
            wanted = [(q, s) for q, s in zip(outs, seeds) if q.requires_grad]
            if wanted:
                run_backward([q for q, _ in wanted], [s for _, s in wanted], retain_graph=True)
            for a, t in zip(analytical, diff):
                if t.grad is not None:
                    a[row] = t.grad._host_array().reshape(-1)
            row += 1
    for t in diff:
        t.grad = None

    for n_idx, (num, ana, t) in enumerate(zip(numerical, analytical, diff)):
        bad = np.abs(num - ana) > atol + rtol * np.abs(num)
        if bad.any():
            if not raise_exception:
                return False
            i, j = np.argwhere(bad)[0]
            raise GradcheckError(
                f"Jacobian mismatch for input {n_idx} (shape {t.shape}) at output element {i}, input element {j}: "
                f"numerical {num[i, j]:.10g} vs analytical {ana[i, j]:.10g} "
                f"({int(bad.sum())} of {bad.size} entries differ)\nnumerical:\n{num}\nanalytical:\n{ana}"
            )
    return True
