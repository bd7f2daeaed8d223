"""The ops added for PyTorch scripts (issue 13) against PyTorch: values and gradients with a random upstream
gradient in float32 and float64, a float64 gradcheck where differentiable, and the errors for bad input."""

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn.functional as F
from tests.helpers import check_against_torch, gradcheck, noncontiguous, randn

DTYPES = [np.float32, np.float64]


# ---- unary functions ------------------------------------------------------------------------------
UNARY = ["sin", "cos", "sinh", "cosh", "log10", "log2"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("name", UNARY)
def test_unary_matches_pytorch(name, dtype):
    x = randn(3, 4, dtype=dtype, seed=1)
    if name.startswith("log"):
        x = np.abs(x) + 0.1
    check_against_torch(getattr(mg, name), getattr(torch, name), x)
    check_against_torch(lambda t: getattr(t, name)(), lambda t: getattr(t, name)(), noncontiguous(x))


@pytest.mark.parametrize("name", UNARY)
def test_unary_gradcheck_and_integer_input(name):
    x = np.abs(randn(5, seed=2)) + 0.5
    gradcheck(getattr(mg, name), x)
    ints = mg.tensor([1, 2, 4])
    out = getattr(mg, name)(ints)
    assert out.dtype == mg.float32
    np.testing.assert_allclose(out.numpy(), getattr(torch, name)(torch.tensor([1, 2, 4])).numpy(), rtol=1e-6)


def test_log_of_zero_is_minus_inf_like_pytorch():
    assert mg.log2(mg.tensor([0.0])).item() == -np.inf
    assert mg.log10(mg.tensor([0.0])).item() == -np.inf


# ---- sorting ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim,descending", [(-1, False), (0, True), (1, True), (2, False)])
def test_sort_matches_pytorch(dim, descending, dtype):
    x = randn(3, 4, 5, dtype=dtype, seed=3)
    check_against_torch(
        lambda t: mg.sort(t, dim=dim, descending=descending),
        lambda t: torch.sort(t, dim=dim, descending=descending),
        x,
    )
    mg_idx = mg.argsort(mg.tensor(x), dim=dim, descending=descending).numpy()
    np.testing.assert_array_equal(mg_idx, torch.argsort(torch.tensor(x), dim=dim, descending=descending).numpy())


@pytest.mark.parametrize("descending", [False, True])
def test_sort_is_stable_and_puts_nan_where_pytorch_does(descending):
    x = np.array([[2.0, np.nan, 1.0, 2.0, 1.0, np.nan, 3.0]])
    values, indices = mg.sort(mg.tensor(x), descending=descending)
    tv, ti = torch.sort(torch.tensor(x), descending=descending, stable=True)
    np.testing.assert_array_equal(values.numpy(), tv.numpy())
    np.testing.assert_array_equal(indices.numpy(), ti.numpy())
    ints = mg.tensor([[3, 1, 3, 2, 1]])
    np.testing.assert_array_equal(
        ints.argsort(descending=descending).numpy(),
        torch.tensor([[3, 1, 3, 2, 1]]).argsort(descending=descending, stable=True).numpy(),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("k,dim,largest", [(1, -1, True), (3, -1, False), (2, 0, True), (5, 1, True)])
def test_topk_matches_pytorch(k, dim, largest, dtype):
    x = randn(4, 5, dtype=dtype, seed=4)
    check_against_torch(lambda t: t.topk(k, dim, largest), lambda t: t.topk(k, dim, largest), x)


def test_sort_and_topk_gradcheck():
    gradcheck(lambda t: mg.sort(t, dim=0, descending=True).values, randn(4, 3, seed=5))
    gradcheck(lambda t: mg.topk(t, 2).values, randn(3, 5, seed=6))


def test_sort_and_topk_errors_and_0d():
    x = mg.randn(3, 4)
    with pytest.raises(RuntimeError, match="k=5 is out of range"):
        x.topk(5)
    with pytest.raises(IndexError, match="dimension out of range"):
        x.sort(dim=2)
    with pytest.raises(TypeError, match="bool"):
        (x > 0).topk(1)
    v, i = mg.sort(mg.tensor(3.0))
    assert v.item() == 3.0 and i.item() == 0 and v.shape == () and i.dtype == mg.int64


# ---- cumsum -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumsum_matches_pytorch(dim, dtype):
    x = randn(3, 4, 2, dtype=dtype, seed=7)
    check_against_torch(lambda t: t.cumsum(dim), lambda t: t.cumsum(dim), x)
    check_against_torch(lambda t: mg.cumsum(t, dim), lambda t: torch.cumsum(t, dim), noncontiguous(x))


def test_cumsum_gradcheck_and_dtypes():
    gradcheck(lambda t: mg.cumsum(t, 1), randn(3, 4, seed=8))
    assert mg.tensor([True, True, False]).cumsum(0).tolist() == [1, 2, 2]
    assert mg.tensor([True, True]).cumsum(0).dtype == mg.int64
    out = mg.tensor([1, 2]).cumsum(0, dtype=mg.float64)
    assert out.dtype == mg.float64 and out.tolist() == [1.0, 3.0]
    with pytest.raises(IndexError):
        mg.ones(3).cumsum(1)


# ---- gather, scatter, index_select, masked_fill, one_hot ----------------------------------------
def _index(shape, high, seed):
    return np.random.default_rng(seed).integers(0, high, shape)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("dim,index_shape", [(0, (5, 3)), (1, (2, 6)), (-1, (3, 2))])
def test_gather_matches_pytorch_with_repeated_indices(dim, index_shape, dtype):
    x = randn(4, 3, dtype=dtype, seed=9)
    idx = _index(index_shape, x.shape[dim], 10)  # index may be longer than x along dim, and repeats
    check_against_torch(lambda t, i: t.gather(dim, i), lambda t, i: t.gather(dim, i), x, idx)


@pytest.mark.parametrize("dtype", DTYPES)
def test_scatter_and_scatter_add_match_pytorch(dtype):
    x, src = randn(3, 5, dtype=dtype, seed=11), randn(2, 4, dtype=dtype, seed=12)
    idx = np.array([[0, 1, 2, 3], [4, 0, 1, 2]])  # distinct per row: scatter is deterministic
    check_against_torch(lambda t, i, s: t.scatter(1, i, s), lambda t, i, s: t.scatter(1, i, s), x, idx, src)
    dup = np.array([[0, 0, 2, 0], [1, 1, 1, 4]])  # scatter_add sums repeats
    check_against_torch(lambda t, i, s: t.scatter_add(1, i, s), lambda t, i, s: t.scatter_add(1, i, s), x, dup, src)
    check_against_torch(
        lambda t, i: mg.scatter(t, 0, i, value=-2.5), lambda t, i: torch.scatter(t, 0, i, value=-2.5), x, idx[:, :3] % 3
    )


def test_gather_scatter_gradcheck():
    idx = mg.tensor([[0, 2, 2], [1, 1, 0]])
    gradcheck(lambda t: t.gather(1, idx), randn(2, 3, seed=13))
    distinct = mg.tensor([[0, 2], [1, 0]])  # a repeated index makes scatter's winner arbitrary
    gradcheck(lambda t, s: t.scatter(1, distinct, s), randn(2, 3, seed=14), randn(2, 2, seed=15))
    gradcheck(lambda t, s: t.scatter_add(1, idx, s), randn(2, 3, seed=16), randn(2, 3, seed=17))


def test_in_place_scatter_and_one_hot_by_scatter():
    labels = mg.tensor([[2], [0]])
    out = mg.zeros(2, 3).scatter_(1, labels, 1.0)
    assert out.tolist() == [[0, 0, 1], [1, 0, 0]]
    acc = mg.zeros(4).scatter_add_(0, mg.tensor([1, 1, 3]), mg.ones(3))
    assert acc.tolist() == [0, 2, 0, 1]


def test_gather_and_scatter_errors():
    x = mg.randn(3, 4)
    with pytest.raises(TypeError, match="int64"):
        x.gather(1, mg.tensor([[0.0]]))
    with pytest.raises(IndexError, match="index 4 is out of bounds for dim 1 with size 4"):
        x.gather(1, mg.tensor([[0, 4]]))
    with pytest.raises(IndexError, match="index -1 is out of bounds"):
        x.gather(0, mg.tensor([[-1]]))
    with pytest.raises(RuntimeError, match="as many dims"):
        x.gather(1, mg.tensor([0, 1]))
    with pytest.raises(RuntimeError, match="bigger than input"):
        x.gather(1, mg.zeros(4, 2, dtype=mg.int64))
    with pytest.raises(RuntimeError, match="dtype"):
        x.scatter(1, mg.tensor([[0]]), mg.ones(1, 1, dtype=mg.float64))
    with pytest.raises(RuntimeError, match="bigger than src"):
        x.scatter(1, mg.tensor([[0, 1]]), mg.ones(1, 1))
    with pytest.raises(TypeError, match="exactly one"):
        x.scatter(1, mg.tensor([[0]]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_select_matches_pytorch(dtype):
    x = randn(4, 3, dtype=dtype, seed=18)
    idx = np.array([3, 0, 3])
    check_against_torch(lambda t, i: t.index_select(0, i), lambda t, i: t.index_select(0, i), x, idx)
    check_against_torch(lambda t, i: mg.index_select(t, 1, i), lambda t, i: torch.index_select(t, 1, i), x, idx % 3)
    with pytest.raises(TypeError, match="1-d int64"):
        mg.tensor(x).index_select(0, mg.tensor([[0]]))


@pytest.mark.parametrize("dtype", DTYPES)
def test_masked_fill_matches_pytorch(dtype):
    x = randn(3, 4, dtype=dtype, seed=19)
    mask = randn(4, seed=20) > 0  # broadcasts over rows
    check_against_torch(
        lambda t, m: t.masked_fill(m, float("-inf")).softmax(-1),
        lambda t, m: t.masked_fill(m, float("-inf")).softmax(-1),
        x,
        np.array([True, False, False, True]),
    )
    check_against_torch(lambda t, m: t.masked_fill(m, 0.5), lambda t, m: t.masked_fill(m, 0.5), x, mask)
    # a 0-d tensor value gets the gradient of the places it fills
    check_against_torch(
        lambda t, m, v: mg.masked_fill(t, m, v),
        lambda t, m, v: torch.masked_fill(t, m, v),
        x,
        mask,
        np.array(1.5, dtype),
    )
    # the output has the broadcast shape of input and mask
    check_against_torch(lambda t, m: t.masked_fill(m, 2.0), lambda t, m: t.masked_fill(m, 2.0), x[0], randn(2, 4) > 0)


def test_masked_fill_gradcheck_dtypes_and_errors():
    m = mg.tensor([True, False, True])
    gradcheck(lambda t: t.masked_fill(m, 3.0), randn(2, 3, seed=21))
    assert mg.arange(3).masked_fill(m, 2.7).tolist() == [2, 1, 2]  # converted to the input's dtype
    x = mg.zeros(3)
    with pytest.raises(TypeError, match="bool tensor"):
        x.masked_fill(mg.tensor([1, 0, 1]), 0.0)
    with pytest.raises(RuntimeError, match="does not broadcast"):
        x.masked_fill(mg.tensor([True, False]), 0.0)
    with pytest.raises(RuntimeError, match="does not fit"):
        x.masked_fill_(mg.ones(2, 3).bool(), 1.0)
    assert x.masked_fill_(m, 1.0).tolist() == [1.0, 0.0, 1.0] and x.tolist() == [1.0, 0.0, 1.0]


def test_one_hot_matches_pytorch_and_checks_its_input():
    labels = np.array([[0, 3], [2, 1]])
    for n in (-1, 5):
        out = F.one_hot(mg.tensor(labels), n)
        ref = torch.nn.functional.one_hot(torch.tensor(labels), n)
        assert out.dtype == mg.int64 and np.array_equal(out.numpy(), ref.numpy())
    with pytest.raises(RuntimeError, match="non-negative"):
        F.one_hot(mg.tensor([-1]), 3)
    with pytest.raises(RuntimeError, match="smaller than num_classes=3"):
        F.one_hot(mg.tensor([3]), 3)
    with pytest.raises(TypeError, match="int64"):
        F.one_hot(mg.tensor([1.0]), 3)


# ---- split, chunk, unbind, repeat, tile, meshgrid, pad -------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "how",
    [
        lambda lib, t: lib.split(t, 2, dim=1),
        lambda lib, t: lib.split(t, [1, 4], dim=1),
        lambda lib, t: t.chunk(3, 0),
        lambda lib, t: lib.chunk(t, 4, dim=-1),
        lambda lib, t: t.unbind(1),
    ],
)
def test_pieces_match_pytorch(how, dtype):
    x = randn(4, 5, dtype=dtype, seed=22)
    check_against_torch(lambda t: how(mg, t), lambda t: how(torch, t), x)


def test_pieces_and_index_select_gradcheck():
    gradcheck(lambda t: t.split([1, 3], dim=1)[1] * t.chunk(2, dim=0)[0].sum(), randn(2, 4, seed=44))
    gradcheck(
        lambda a, b: mg.meshgrid(a, b, indexing="xy")[0] * mg.meshgrid(a, b)[1].T, randn(3, seed=45), randn(2, seed=46)
    )
    gradcheck(lambda t: t.index_select(1, mg.tensor([2, 0, 2])), randn(2, 3, seed=47))


def test_pieces_are_views_and_check_sizes():
    x = mg.arange(10.0)
    assert [p.shape for p in x.split(3)] == [(3,), (3,), (3,), (1,)]
    assert [p.shape for p in mg.arange(6).chunk(4)] == [(2,), (2,), (2,)]
    first = x.split(3)[0]
    assert np.shares_memory(first.numpy(), x.numpy())
    with pytest.raises(RuntimeError, match="add up to 10"):
        x.split([2, 7])
    with pytest.raises(RuntimeError, match="positive"):
        x.chunk(0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sizes", [(2, 1), (1, 3), (2, 1, 2), (3, 2, 2, 1)])
def test_repeat_matches_pytorch(sizes, dtype):
    x = randn(2, 3, dtype=dtype, seed=23)
    check_against_torch(lambda t: t.repeat(*sizes), lambda t: t.repeat(*sizes), x)
    check_against_torch(lambda t: mg.tile(t, sizes[:1]), lambda t: torch.tile(t, sizes[:1]), x)


def test_repeat_gradcheck_and_errors():
    gradcheck(lambda t: t.repeat(2, 3), randn(2, 2, seed=24))
    with pytest.raises(RuntimeError, match="one size per dim"):
        mg.ones(2, 3).repeat(2)
    assert mg.ones(2).repeat(0).shape == (0,)


@pytest.mark.parametrize("indexing", ["ij", "xy"])
def test_meshgrid_matches_pytorch(indexing):
    a, b, c = randn(3, seed=25), randn(2, seed=26), randn(4, seed=27)
    check_against_torch(
        lambda *t: mg.meshgrid(*t, indexing=indexing), lambda *t: torch.meshgrid(*t, indexing=indexing), a, b, c
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("widths,value", [((1, 2), 0.0), ((1, 1, 2, 0), 5.0), ((-1, 1), 0.0), ((0, 0, 1, -2), -1.0)])
def test_pad_matches_pytorch(widths, value, dtype):
    x = randn(2, 3, 4, dtype=dtype, seed=28)
    check_against_torch(
        lambda t: F.pad(t, widths, value=value), lambda t: torch.nn.functional.pad(t, widths, value=value), x
    )


def test_pad_gradcheck_and_errors():
    gradcheck(lambda t: F.pad(t, (1, 2, 0, 1)), randn(2, 3, seed=29))
    with pytest.raises(NotImplementedError, match="reflect"):
        F.pad(mg.ones(1, 2, 3), (1, 1), mode="reflect")
    with pytest.raises(RuntimeError, match="even length"):
        F.pad(mg.ones(2), (1, 1, 1))


# ---- einsum -----------------------------------------------------------------------------------------
EINSUM = [
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("bij,bjk", [(2, 3, 4), (2, 4, 5)]),
    ("i,i->", [(4,), (4,)]),
    ("i,j->ij", [(3,), (4,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("iij->ji", [(3, 3, 2)]),
    ("ij->", [(3, 4)]),
    ("ij,j->j", [(3, 4), (4,)]),
    ("...ij,...jk->...ik", [(2, 1, 3, 4), (5, 4, 2)]),
    ("ij,ij->ij", [(1, 4), (3, 4)]),
    ("i,i,i->", [(3,), (3,), (3,)]),
    ("bhqd,bhkd->bhqk", [(2, 2, 3, 4), (2, 2, 5, 4)]),
    ("ba", [(3, 4)]),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("equation,shapes", EINSUM)
def test_einsum_matches_pytorch(equation, shapes, dtype):
    arrays = [randn(*s, dtype=dtype, seed=30 + i) for i, s in enumerate(shapes)]
    check_against_torch(lambda *t: mg.einsum(equation, *t), lambda *t: torch.einsum(equation, *t), *arrays)


def test_einsum_gradcheck_list_form_and_errors():
    gradcheck(lambda a, b: mg.einsum("iij,jk->ik", a, b), randn(3, 3, 2, seed=40), randn(2, 4, seed=41))
    a, b = mg.randn(2, 3), mg.randn(3, 4)
    np.testing.assert_allclose(mg.einsum("ij,jk", [a, b]).numpy(), (a @ b).numpy(), rtol=1e-6)
    with pytest.raises(ValueError, match="2 operands, but 1"):
        mg.einsum("ij,jk", a)
    with pytest.raises(ValueError, match="letter .i. has size 2 in one operand and 3"):
        mg.einsum("ij,ij", a, b)
    with pytest.raises(ValueError, match="operand 0 has 2 dims"):
        mg.einsum("ijk", a)
    with pytest.raises(ValueError, match="invalid subscript"):
        mg.einsum("i1", a)


# ---- sampling and histograms -------------------------------------------------------------------
def test_multinomial_frequencies_follow_the_weights():
    mg.manual_seed(0)
    w = mg.tensor([1.0, 0.0, 3.0, 6.0])
    draws = mg.multinomial(w, 20000, replacement=True)
    assert draws.dtype == mg.int64 and draws.shape == (20000,)
    freq = np.bincount(draws.numpy(), minlength=4) / 20000
    # four standard errors of a frequency of 20000 draws is below 0.015
    np.testing.assert_allclose(freq, [0.1, 0.0, 0.3, 0.6], atol=0.015)
    rows = mg.tensor([[0.0, 1.0], [1.0, 0.0]]).multinomial(5, replacement=True)
    assert rows.tolist() == [[1] * 5, [0] * 5]


def test_multinomial_without_replacement_draws_distinct_categories():
    mg.manual_seed(1)
    w = mg.tensor([[0.1, 0.0, 0.9, 0.5, 0.2]] * 50)
    out = mg.multinomial(w, 4)
    for row in out.tolist():
        assert len(set(row)) == 4 and 1 not in row  # the zero weight only when nothing else is left
    first = mg.multinomial(mg.tensor([1.0, 100.0]).reshape(1, 2).expand(2000, 2).contiguous(), 1).numpy()
    assert 0.97 < (first == 1).mean() < 1.0  # 100/101 = 0.990


def test_multinomial_errors_and_generator():
    with pytest.raises(RuntimeError, match="finite and >= 0"):
        mg.multinomial(mg.tensor([-1.0, 1.0]), 1)
    with pytest.raises(RuntimeError, match="finite and >= 0"):
        mg.multinomial(mg.tensor([float("nan"), 1.0]), 1)
    with pytest.raises(RuntimeError, match="sum to 0"):
        mg.multinomial(mg.tensor([0.0, 0.0]), 1)
    with pytest.raises(TypeError, match="floating point"):
        mg.multinomial(mg.tensor([1, 2]), 1)
    with pytest.raises(RuntimeError, match="without replacement from 2"):
        mg.multinomial(mg.tensor([1.0, 2.0]), 3)
    a = mg.multinomial(mg.ones(10), 5, generator=mg.Generator(3))
    b = mg.multinomial(mg.ones(10), 5, generator=mg.Generator(3))
    assert a.tolist() == b.tolist()


def test_normal_shapes_and_moments():
    mg.manual_seed(2)
    assert mg.normal(mg.zeros(3), 1.0).shape == (3,)
    assert mg.normal(0.0, mg.ones(2, 2)).shape == (2, 2)
    z = mg.normal(2.0, 3.0, size=(40000,))
    assert z.dtype == mg.float32
    assert abs(z.mean().item() - 2.0) < 4 * 3 / 200 and abs(z.std().item() - 3.0) < 0.05
    m = mg.normal(mg.tensor([0.0, 10.0]).reshape(2, 1), mg.tensor([1.0, 0.0]).reshape(2, 1).expand(2, 500))
    assert m.shape == (2, 500) and (m[1] == 10.0).all().item()
    with pytest.raises(TypeError, match="size="):
        mg.normal(0.0, 1.0)
    with pytest.raises(RuntimeError, match="std must be >= 0"):
        mg.normal(mg.zeros(2), -1.0)


@pytest.mark.parametrize("dtype", DTYPES)
def test_histc_and_histogram_match_pytorch(dtype):
    x = randn(200, dtype=dtype, seed=42)
    for kw in (dict(bins=7), dict(bins=5, min=-1, max=1), dict(bins=3, min=0, max=0)):
        np.testing.assert_allclose(mg.histc(mg.tensor(x), **kw).numpy(), torch.histc(torch.tensor(x), **kw).numpy())
    assert mg.tensor(x).histc(4).dtype == dtype
    h, e = mg.histogram(mg.tensor(x), 6)
    th, te = torch.histogram(torch.tensor(x), 6)
    np.testing.assert_allclose(h.numpy(), th.numpy())
    np.testing.assert_allclose(e.numpy(), te.numpy(), rtol=1e-6)
    edges = np.array([-3.0, -0.5, 0.0, 2.0], dtype)
    w = np.abs(randn(200, dtype=dtype, seed=43))
    for density in (False, True):
        h, _ = mg.histogram(mg.tensor(x), mg.tensor(edges), weight=mg.tensor(w), density=density)
        th, _ = torch.histogram(torch.tensor(x), torch.tensor(edges), weight=torch.tensor(w), density=density)
        np.testing.assert_allclose(h.numpy(), th.numpy(), rtol=1e-5)
    assert mg.histc(mg.tensor([1.0, 1.0, 1.0]), bins=2).tolist() == [0.0, 3.0]
    with pytest.raises(TypeError, match="floating point"):
        mg.histc(mg.tensor([1, 2]))


# ---- comparisons, sizes, formatting, new_*, NumPy names, interop ----------------------------------
@pytest.mark.parametrize("name", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_methods_and_functions(name):
    a, b = np.array([1.0, 2.0, 3.0]), np.array([2.0, 2.0, 1.0])
    ref = getattr(torch, name)(torch.tensor(a), torch.tensor(b)).numpy()
    assert np.array_equal(getattr(mg.tensor(a), name)(mg.tensor(b)).numpy(), ref)
    assert np.array_equal(getattr(mg, name)(mg.tensor(a), mg.tensor(b)).numpy(), ref)
    assert np.array_equal(getattr(mg.tensor(a), name)(2.0).numpy(), getattr(torch.tensor(a), name)(2.0).numpy())


def test_closeness_and_finiteness():
    a = mg.tensor([1.0, float("nan"), float("inf"), 2.0])
    b = mg.tensor([1.0 + 1e-7, float("nan"), float("inf"), 2.1])
    ta, tb = torch.tensor(a.numpy()), torch.tensor(b.numpy())
    assert a.isclose(b).tolist() == torch.isclose(ta, tb).tolist()
    assert mg.isclose(a, b, equal_nan=True).tolist() == torch.isclose(ta, tb, equal_nan=True).tolist()
    assert not mg.allclose(a, b) and mg.allclose(a[:1], b[:1])
    assert mg.equal(a[2:], a[2:]) and not mg.equal(a[:1], a[:2])
    assert a.isnan().tolist() == [False, True, False, False]
    assert a.isinf().tolist() == [False, False, True, False]
    assert mg.isfinite(a).tolist() == [True, False, False, True]


def test_nelement_format_and_new_tensors():
    x = mg.ones(2, 3, dtype=mg.float64)
    assert x.nelement() == 6
    loss = mg.tensor(1.23456)
    assert f"{loss:.3f}" == "1.235" and f"{loss}" == f"{torch.tensor(1.23456)}"
    assert f"{x}" == str(x)
    with pytest.raises(TypeError, match="use .item()"):
        f"{x:.2f}"
    for new, shape in ((x.new_zeros(4), (4,)), (x.new_ones((2, 2)), (2, 2)), (x.new_empty(3), (3,))):
        assert new.dtype == mg.float64 and new.shape == shape
    assert x.new_full((2,), 7).tolist() == [7.0, 7.0] and x.new_full((2,), 7).dtype == mg.float64
    assert x.new_tensor([1, 2]).dtype == mg.float64 and x.new_tensor([1, 2], dtype=mg.int64).dtype == mg.int64
    assert x.new_zeros(2, requires_grad=True).requires_grad
    assert mg.tensor([1.5]).int().dtype == mg.int64 and mg.tensor([1]).type_as(x).dtype == mg.float64


def test_numpy_keyword_names_are_accepted():
    x = mg.arange(12.0).reshape(3, 4)
    assert x.sum(axis=1, keepdims=True).shape == (3, 1)
    assert x.max(axis=0).values.tolist() == [8.0, 9.0, 10.0, 11.0]
    assert mg.sum(x, axis=0).tolist() == torch.sum(torch.tensor(x.numpy()), axis=0).tolist()
    assert mg.mean(x, axis=1).shape == (3,)
    with pytest.raises(TypeError, match="both dim= and its NumPy alias axis="):
        x.sum(dim=0, axis=1)


def test_torch_and_numpy_read_minigrad_tensors():
    x = mg.randn(3, 4, dtype=mg.float64)
    t = torch.as_tensor(x)
    assert t.dtype == torch.float64 and np.array_equal(t.numpy(), x.numpy())
    assert np.shares_memory(t.numpy(), x.numpy())  # DLPack shares the values, like as_tensor of an ndarray
    assert torch.as_tensor(mg.tensor(2.5)).item() == 2.5
    assert torch.from_dlpack(x.T).shape == (4, 3)
    p = mg.nn.Parameter(mg.ones(2))
    assert torch.as_tensor(p).tolist() == [1.0, 1.0]
    frozen = np.arange(3.0)
    frozen.flags.writeable = False
    assert torch.as_tensor(mg.from_numpy(frozen)).tolist() == [0.0, 1.0, 2.0]  # read-only: exported as a copy
    assert np.asarray(x).dtype == np.float64 and np.asarray(x, dtype=np.float32).dtype == np.float32
    # the docs' recipes (docs/api/pytorch.md), both directions
    tmodel = torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3), torch.nn.BatchNorm2d(2))
    model = mg.nn.Sequential(mg.nn.Conv2d(1, 2, 3), mg.nn.BatchNorm2d(2))
    tmodel.load_state_dict({k: torch.as_tensor(v) for k, v in model.state_dict().items()})
    for (k, v), tv in zip(model.state_dict().items(), tmodel.state_dict().values()):
        assert np.array_equal(v.numpy(), tv.numpy()), k
    other = mg.nn.Sequential(mg.nn.Conv2d(1, 2, 3), mg.nn.BatchNorm2d(2))
    other.load_state_dict(tmodel.state_dict())  # PyTorch's tensors are read as they are
    for (k, v), tv in zip(other.state_dict().items(), tmodel.state_dict().values()):
        assert np.array_equal(v.numpy(), tv.numpy()), k
    assert mg.tensor(torch.arange(3)).tolist() == [0, 1, 2]
