"""Every CPU (Numba) kernel against the reference backend (plain NumPy), value by value.

The inputs and the tolerance live in tests/kernel_cases.py (shared with the CUDA kernels' tests):
float32 and float64; random values, the kinks, +-inf and NaN, large magnitudes, 0-size and 0-d
arrays, non-contiguous views, odd shapes, inputs large enough for the parallel kernels, every
normalisation layout with and without affine parameters and with fixed statistics. Outputs agree
to 16 ulp of the dtype relative to the terms they are computed from (kernel_cases.tolerance says
why); NaN and +-inf at the same places.
"""

import types

import numpy as np
import pytest

import minigrad.backends.numpy as reference
from minigrad.backends import contract, cpu
from tests import kernel_cases

# Where the CPU kernels knowingly differ from the reference (which does what PyTorch does). Each is
# a strict expectation: once a kernel is fixed, its case passes and the test asks to drop the entry.
KNOWN_DIFFERENCES = {
    "norm_forward-layer-inf-first": "norm_forward: the mean of a group whose first value is +-inf is NaN "
    "(the sums are shifted by that value: inf - inf), where it is +-inf otherwise and in PyTorch "
    "(y is NaN for the whole group either way)",
}


def _known(case):
    return next((why for key, why in KNOWN_DIFFERENCES.items() if key in case.id), None)


def _cases_by_kernel():
    out = {}
    for dtype in (np.float32, np.float64):
        for case in kernel_cases.cases(dtype):
            out.setdefault((case.kernel, np.dtype(dtype).name), []).append(case)
    return out


CASES = _cases_by_kernel()


@pytest.mark.parametrize("kernel,dtype", sorted(CASES), ids=[f"{k}-{d}" for k, d in sorted(CASES)])
def test_cpu_kernel_matches_the_reference(kernel, dtype):
    failures, fixed = [], []
    for case in CASES[kernel, dtype]:
        try:
            kernel_cases.check(cpu, case)
        except AssertionError as e:
            if _known(case) is None:
                failures.append(str(e))
        else:
            if _known(case) is not None:
                fixed.append(case.id)
    assert not failures, f"{len(failures)} of {len(CASES[kernel, dtype])} cases differ:\n" + "\n".join(failures[:10])
    assert not fixed, f"these cases now match the reference: remove them from KNOWN_DIFFERENCES: {fixed}"


def test_every_kernel_of_the_contract_has_cases():
    assert kernel_cases.kernels_covered() == set(contract.KERNELS)


def test_every_known_difference_still_has_a_case():
    ids = [c.id for cases in CASES.values() for c in cases]
    for key in KNOWN_DIFFERENCES:
        assert any(key in i for i in ids), key


# The harness can fail: a backend with one kernel subtly wrong (a convention, a constant) is caught.
def _relu_grad_1_at_0(g, x):
    return reference.relu_backward(g, x) + g * (x == 0)


def _unbiased_var(x4, w3, b3, eps, center=True):
    y, mean, var, rstd = reference.norm_forward(x4, w3, b3, eps, center)
    n = x4.size // max(x4.shape[1], 1)
    return y, mean, var * n / max(n - 1, 1), rstd


def _eps_outside_sqrt(x4, w3, b3, eps, center=True):
    _, mean, var, _ = reference.norm_forward(x4, w3, b3, eps, center)
    rstd = 1 / (np.sqrt(var) + eps)
    return reference.norm_apply(x4, w3, b3, mean, rstd), mean, var, rstd


def _smoothing_over_c_minus_1(x2, target, ignore_index, label_smoothing):
    loss, logp = reference.cross_entropy_forward(x2, target, ignore_index, label_smoothing)
    C = x2.shape[1]
    return reference.cross_entropy_forward(x2, target, ignore_index, label_smoothing * C / max(C - 1, 1))[0], logp


def _adam_without_bias_correction(param, grad, m, v, vmax, step, *args):
    reference.adam_step(param, grad, m, v, vmax, 10**9, *args)


def _gelu_tanh_for_exact(x, approximate="none", out=None):
    return reference.gelu_forward(x, "tanh", out)


@pytest.mark.parametrize(
    "kernel,wrong",
    [
        ("relu_backward", _relu_grad_1_at_0),
        ("norm_forward", _unbiased_var),
        ("norm_forward", _eps_outside_sqrt),
        ("cross_entropy_forward", _smoothing_over_c_minus_1),
        ("adam_step", _adam_without_bias_correction),
        ("gelu_forward", _gelu_tanh_for_exact),
    ],
)
def test_a_subtly_wrong_kernel_fails(kernel, wrong):
    broken = types.SimpleNamespace(**{n: getattr(reference, n) for n in contract.NAMES})
    setattr(broken, kernel, wrong)
    caught = 0
    for case in CASES[kernel, "float32"]:
        try:
            kernel_cases.check(broken, case)
        except AssertionError:
            caught += 1
    assert caught, f"no case of {kernel} notices {wrong.__name__}"
