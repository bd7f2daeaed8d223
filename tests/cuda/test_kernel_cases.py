"""Every CUDA kernel on the shared kernel cases of tests/kernel_cases.py (the cases the CPU kernels
are held to in tests/test_reference.py), against the NumPy reference backend, with the same
tolerance: random values, kinks, +-inf and NaN, large magnitudes, empty and non-contiguous inputs,
every normalisation layout, every optimizer option.

On a GPU every case runs, float32 and float64. The simulator runs a GPU thread in about a
millisecond, so there a fixed sample runs (see EVERY).
"""

import numpy as np
import pytest

import minigrad.backends.cuda as backend
from minigrad.backends.cuda.compiler import SIMULATOR
from tests import kernel_cases

# Where a CUDA kernel knowingly differs from the reference (the CPU kernel does the same: see
# tests/test_reference.py).
KNOWN_DIFFERENCES = {
    "norm_forward-layer-inf-first": "the mean of a group whose first value is +-inf is NaN (the sums are shifted "
    "by that value), as on the CPU",
}


def _size(case):
    return max((a.size for a in case.args if isinstance(a, np.ndarray)), default=0)


# On the simulator: float32 (tests/cuda's other files run the float64 kernels), cases of at most 64
# elements, and of the kernels that are slow to simulate (a block per row or group, with barriers)
# every n-th case: the cases cycle through their options, so the sample still holds every input kind.
EVERY = {"norm_backward": 16, "norm_forward": 8, "cross_entropy_forward": 4, "cross_entropy_backward": 4}


def _selected(cases):
    if not SIMULATOR:
        return cases
    small = [c for c in cases if _size(c) <= 64]
    return small[:: EVERY.get(cases[0].kernel, 1)] if cases else cases


def _cases_by_kernel():
    out = {}
    for dtype in (np.float32,) if SIMULATOR else (np.float32, np.float64):
        for case in kernel_cases.cases(dtype):
            out.setdefault((case.kernel, np.dtype(dtype).name), []).append(case)
    return {key: _selected(cases) for key, cases in out.items()}


CASES = _cases_by_kernel()


@pytest.mark.parametrize("kernel,dtype", sorted(CASES), ids=[f"{k}-{d}" for k, d in sorted(CASES)])
def test_cuda_kernel_matches_the_reference(kernel, dtype):
    failures = []
    for case in CASES[kernel, dtype]:
        try:
            kernel_cases.check(backend, case)
        except AssertionError as e:
            if not any(key in case.id for key in KNOWN_DIFFERENCES):
                failures.append(str(e))
    assert not failures, f"{len(failures)} of {len(CASES[kernel, dtype])} cases differ:\n" + "\n".join(failures[:10])


def test_the_sample_covers_every_kernel_of_the_contract():
    from minigrad.backends import contract

    assert {k for k, _ in CASES if CASES[k, "float32"]} == set(contract.KERNELS)
