"""The kernel tests' GPU adapter (tests/cuda/reference.py's ``_OnHost``, what ``G`` is on a GPU) works
here too: under the simulator moving to and from the device copies as well, so its copying in,
copying back in-place updates and results, and strided inputs are checked before a GPU runs it."""

import numpy as np
import pytest

from tests.cuda.reference import REF, _OnHost

G = _OnHost()


def test_results_come_back_as_numpy_arrays_and_out_is_the_callers():
    x = np.array([-1.0, 2.0, -3.0, 4.0], np.float32)
    y = G.relu_forward(x)
    assert isinstance(y, np.ndarray) and y.tolist() == [0.0, 2.0, 0.0, 4.0]
    out = np.empty(4, np.float32)
    assert G.relu_forward(x, out=out) is out and out.tolist() == y.tolist()
    dx, dw = G.prelu_backward(np.ones(4, np.float32), x, np.array([0.25], np.float32))
    assert isinstance(dx, np.ndarray) and isinstance(dw, np.ndarray)
    np.testing.assert_array_equal(dw, REF.prelu_backward(np.ones(4, np.float32), x, np.array([0.25], np.float32))[1])


def test_in_place_updates_reach_the_callers_arrays_and_strides_survive():
    p, g, buf = np.ones(3, np.float32), np.full(3, 2.0, np.float32), np.zeros(3, np.float32)
    G.sgd_step(p, g, buf, 0.5, 0.9, 0.0, 0.0, False, True)
    assert p.tolist() == [0.0, 0.0, 0.0] and buf.tolist() == [2.0, 2.0, 2.0]
    strided = np.arange(12, dtype=np.float32).reshape(3, 4)[:, ::2] - 5
    np.testing.assert_array_equal(G.elu_forward(strided, 1.0), REF.elu_forward(np.ascontiguousarray(strided), 1.0))
    with pytest.raises(ValueError, match="contiguous"):  # the strided parameter reached the kernel as one
        G.sgd_step(np.ones(8, np.float32)[::2], np.ones(4, np.float32), None, 0.1, 0.0, 0.0, 0.0, False, True)
