import gzip
import struct
import sys

import numpy as np
import pytest

from minigrad import data
from minigrad.data import (
    DataLoader,
    Dataset,
    TensorDataset,
    load_digits,
    load_fashion_mnist,
    read_idx,
)


def _mg():
    """minigrad's core, or skip (these tests only need it for the Tensor paths)."""
    return pytest.importorskip("minigrad.tensor") and __import__("minigrad")


# ------------------------------------------------------------------------------------------------------
# TensorDataset
# ------------------------------------------------------------------------------------------------------
def test_tensor_dataset_numpy():
    x = np.arange(12).reshape(6, 2)
    y = np.arange(6) * 10
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    item = ds[4]
    assert isinstance(item, tuple) and len(item) == 2
    np.testing.assert_array_equal(item[0], [8, 9])
    assert item[1] == 40


def test_tensor_dataset_tensors():
    mg = _mg()
    x = mg.tensor(np.arange(12, dtype=np.float32).reshape(6, 2))
    y = mg.tensor(np.arange(6, dtype=np.int64))
    ds = TensorDataset(x, y)
    assert len(ds) == 6
    xi, yi = ds[2]
    np.testing.assert_array_equal(xi.numpy(), [4.0, 5.0])
    assert yi.item() == 2


def test_tensor_dataset_size_mismatch():
    with pytest.raises(ValueError, match=r"size mismatch.*\[6, 5\]"):
        TensorDataset(np.zeros((6, 2)), np.zeros(5))


def test_tensor_dataset_needs_samples_dimension():
    with pytest.raises(ValueError, match="at least one dimension"):
        TensorDataset(np.zeros((3, 2)), np.float32(1.0))
    with pytest.raises(ValueError, match="at least one tensor"):
        TensorDataset()


# ------------------------------------------------------------------------------------------------------
# DataLoader
# ------------------------------------------------------------------------------------------------------
def _ids(loader):
    return [batch[0].tolist() for batch in loader]


def _flat(loader):
    return [i for batch in _ids(loader) for i in batch]


def test_loader_in_order_with_short_last_batch():
    ds = TensorDataset(np.arange(10), np.arange(10) * 2)
    loader = DataLoader(ds, batch_size=4)
    assert len(loader) == 3
    batches = list(loader)
    assert [b[0].tolist() for b in batches] == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    assert [b[1].tolist() for b in batches] == [[0, 2, 4, 6], [8, 10, 12, 14], [16, 18]]


def test_loader_drop_last():
    ds = TensorDataset(np.arange(10))
    loader = DataLoader(ds, batch_size=4, drop_last=True)
    assert len(loader) == 2
    assert _ids(loader) == [[0, 1, 2, 3], [4, 5, 6, 7]]
    assert len(DataLoader(TensorDataset(np.arange(8)), batch_size=4, drop_last=True)) == 2
    assert len(DataLoader(TensorDataset(np.arange(3)), batch_size=4, drop_last=True)) == 0
    assert list(DataLoader(TensorDataset(np.arange(3)), batch_size=4, drop_last=True)) == []


def test_loader_default_batch_size_is_one():
    loader = DataLoader(TensorDataset(np.arange(3)))
    assert len(loader) == 3
    assert _ids(loader) == [[0], [1], [2]]


def test_shuffle_is_a_permutation_and_reproducible_from_the_seed():
    ds = TensorDataset(np.arange(50))
    a = DataLoader(ds, batch_size=8, shuffle=True, seed=3)
    b = DataLoader(ds, batch_size=8, shuffle=True, seed=3)
    a_epochs = [_flat(a) for _ in range(3)]
    b_epochs = [_flat(b) for _ in range(3)]
    assert a_epochs == b_epochs
    for order in a_epochs:
        assert sorted(order) == list(range(50))
    assert a_epochs[0] != list(range(50))
    assert a_epochs[0] != a_epochs[1] != a_epochs[2]  # a new order every epoch
    c = DataLoader(ds, batch_size=8, shuffle=True, seed=4)
    assert _flat(c) != a_epochs[0]


def test_seeded_order_ignores_other_randomness_and_set_epoch_replays():
    ds = TensorDataset(np.arange(30))
    a = DataLoader(ds, batch_size=30, shuffle=True, seed=0)
    first, second = _ids(a)[0], _ids(a)[0]
    np.random.default_rng().standard_normal(100)  # unrelated draws change nothing
    b = DataLoader(ds, batch_size=30, shuffle=True, seed=0)
    b.set_epoch(1)
    assert _ids(b)[0] == second
    b.set_epoch(0)
    assert _ids(b)[0] == first


def test_shuffle_without_seed_follows_manual_seed():
    mg = pytest.importorskip("minigrad.random")
    ds = TensorDataset(np.arange(40))
    mg.manual_seed(7)
    a = _ids(DataLoader(ds, batch_size=40, shuffle=True))
    mg.manual_seed(7)
    b = _ids(DataLoader(ds, batch_size=40, shuffle=True))
    assert a == b


def test_shuffle_with_a_generator():
    from minigrad.random import Generator

    ds = TensorDataset(np.arange(40))
    a = _ids(DataLoader(ds, batch_size=40, shuffle=True, generator=Generator(5)))
    b = _ids(DataLoader(ds, batch_size=40, shuffle=True, generator=Generator(5)))
    assert a == b
    with pytest.raises(ValueError, match="either seed= or generator="):
        DataLoader(ds, shuffle=True, seed=1, generator=Generator(1))


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])  # None means "no batching", as in PyTorch
def test_bad_batch_size(bad):
    with pytest.raises(ValueError, match="batch_size"):
        DataLoader(TensorDataset(np.arange(3)), batch_size=bad)


def test_loader_fast_path_with_tensors():
    mg = _mg()
    x = mg.tensor(np.arange(20, dtype=np.float32).reshape(10, 2))
    y = mg.tensor(np.arange(10, dtype=np.int64))
    loader = DataLoader(TensorDataset(x, y), batch_size=4, shuffle=True, seed=1)
    seen = []
    for xb, yb in loader:
        assert isinstance(xb, mg.Tensor) and isinstance(yb, mg.Tensor)
        assert xb.dtype == np.float32 and yb.dtype == np.int64
        assert not xb.requires_grad
        np.testing.assert_array_equal(xb.numpy(), np.stack([2 * yb.numpy(), 2 * yb.numpy() + 1], axis=1))
        seen += yb.tolist()
    assert sorted(seen) == list(range(10))


def test_loader_with_a_tensor_that_requires_grad_keeps_the_graph():
    mg = _mg()
    x = mg.tensor(np.arange(6, dtype=np.float32), requires_grad=True)
    (xb,) = next(iter(DataLoader(TensorDataset(x), batch_size=3)))
    xb.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [1, 1, 1, 0, 0, 0])


class Squares(Dataset):
    def __len__(self):
        return 5

    def __getitem__(self, i):
        return np.full(3, i, dtype=np.float32), i * i


def test_loader_generic_dataset_collates():
    mg = _mg()
    batches = list(DataLoader(Squares(), batch_size=2))
    assert len(batches) == 3
    xb, yb = batches[0]
    assert isinstance(xb, mg.Tensor) and xb.shape == (2, 3) and xb.dtype == np.float32
    assert isinstance(yb, mg.Tensor) and yb.dtype == np.int64 and yb.tolist() == [0, 1]
    assert batches[-1][1].tolist() == [16]


def test_loader_custom_collate_fn():
    loader = DataLoader(Squares(), batch_size=3, collate_fn=lambda items: [y for _, y in items])
    assert list(loader) == [[0, 1, 4], [9, 16]]


def test_default_collate_structures():
    mg = _mg()
    out = data.default_collate([{"a": 1.5, "b": (1, 2)}, {"a": 2.5, "b": (3, 4)}])
    assert out["a"].dtype == np.float64 and out["a"].tolist() == [1.5, 2.5]
    assert [t.tolist() for t in out["b"]] == [[1, 3], [2, 4]]
    stacked = data.default_collate([mg.tensor([1.0, 2.0]), mg.tensor([3.0, 4.0])])
    assert stacked.shape == (2, 2)
    with pytest.raises(TypeError, match="collate_fn"):
        data.default_collate([object(), object()])


# ------------------------------------------------------------------------------------------------------
# IDX files
# ------------------------------------------------------------------------------------------------------
def idx_bytes(array, type_code=0x08, dtype=">u1"):
    array = np.asarray(array)
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    return header + array.astype(dtype).tobytes()


def write(path, payload, gz):
    if gz:
        path = path.with_name(path.name + ".gz")
        with gzip.open(path, "wb") as f:
            f.write(payload)
    else:
        path.write_bytes(payload)
    return path


@pytest.mark.parametrize("gz", [False, True])
def test_read_idx_uint8(tmp_path, gz):
    images = np.random.default_rng(0).integers(0, 256, (3, 4, 5), dtype=np.uint8)
    path = write(tmp_path / "x-idx3-ubyte", idx_bytes(images), gz)
    out = read_idx(path)
    assert out.dtype == np.uint8 and out.shape == (3, 4, 5)
    np.testing.assert_array_equal(out, images)


def test_read_idx_big_endian_types(tmp_path):
    ints = np.array([[1, -2, 300000], [4, 5, -6]])
    out = read_idx(write(tmp_path / "i", idx_bytes(ints, 0x0C, ">i4"), gz=False))
    assert out.dtype == np.int32 and out.dtype.byteorder in ("=", "<", "|")
    np.testing.assert_array_equal(out, ints)
    floats = np.array([0.5, -1.25])
    out = read_idx(write(tmp_path / "f", idx_bytes(floats, 0x0E, ">f8"), gz=True))
    np.testing.assert_array_equal(out, floats)


def test_read_idx_errors(tmp_path):
    good = idx_bytes(np.zeros((2, 3), dtype=np.uint8))
    bad_magic = b"\x01\x02" + good[2:]
    with pytest.raises(ValueError, match="not an IDX file.*magic"):
        read_idx(write(tmp_path / "a", bad_magic, gz=False))
    with pytest.raises(ValueError, match="unknown IDX data type code 0x07"):
        read_idx(write(tmp_path / "b", b"\x00\x00\x07\x01" + good[4:], gz=False))
    with pytest.raises(ValueError, match="size mismatch.*\\(2, 3\\).*5 bytes"):
        read_idx(write(tmp_path / "c", good[:-1], gz=True))
    with pytest.raises(ValueError, match="size mismatch"):
        read_idx(write(tmp_path / "d", good + b"\x00", gz=False))
    with pytest.raises(ValueError, match="truncated IDX header"):
        read_idx(write(tmp_path / "e", good[:9], gz=False))
    with pytest.raises(ValueError, match="only 2 bytes"):
        read_idx(write(tmp_path / "f", b"\x00\x00", gz=False))
    corrupt = gzip.compress(good)[:-6]
    with pytest.raises(ValueError, match="corrupt gzip"):
        read_idx(write(tmp_path / "g", corrupt, gz=False))


# ------------------------------------------------------------------------------------------------------
# Fashion-MNIST from small files written here
# ------------------------------------------------------------------------------------------------------
def fake_fashion(root, n_train=6, n_test=4, gz=True, seed=0):
    rng = np.random.default_rng(seed)
    root.mkdir(parents=True, exist_ok=True)
    arrays = {}
    for split, prefix, n in (("train", "train", n_train), ("test", "t10k", n_test)):
        images = rng.integers(0, 256, (n, 28, 28), dtype=np.uint8)
        images[0, 0, 0], images[0, 0, 1] = 0, 255
        labels = rng.integers(0, 10, n, dtype=np.uint8)
        write(root / f"{prefix}-images-idx3-ubyte", idx_bytes(images), gz)
        write(root / f"{prefix}-labels-idx1-ubyte", idx_bytes(labels), gz)
        arrays[split] = (images, labels)
    return arrays


@pytest.mark.parametrize("gz", [True, False])
def test_load_fashion_mnist_from_root(tmp_path, gz):
    arrays = fake_fashion(tmp_path / "fm", gz=gz)
    x, y = load_fashion_mnist(tmp_path / "fm", split="train")
    assert isinstance(x, np.ndarray) and x.shape == (6, 1, 28, 28) and x.dtype == np.float32
    assert y.shape == (6,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    np.testing.assert_allclose(x[:, 0] * 255, arrays["train"][0], atol=1e-4)
    np.testing.assert_array_equal(y, arrays["train"][1])
    xt, yt = load_fashion_mnist(str(tmp_path / "fm"), split="test", flatten=True)
    assert xt.shape == (4, 784)
    np.testing.assert_array_equal(yt, arrays["test"][1])


def test_load_fashion_mnist_options_and_cache(tmp_path):
    fake_fashion(tmp_path)
    x64, _ = load_fashion_mnist(tmp_path, dtype="float64")
    assert x64.dtype == np.float64
    a, _ = load_fashion_mnist(tmp_path)
    a[:] = -1  # the caller owns what it gets: the cached data stays intact
    b, _ = load_fashion_mnist(tmp_path)
    assert b.min() >= 0
    with pytest.raises(ValueError, match="split must be 'train' or 'test'"):
        load_fashion_mnist(tmp_path, split="valid")
    with pytest.raises(ValueError, match="floating dtype"):
        load_fashion_mnist(tmp_path, dtype="int64")


def test_load_fashion_mnist_as_tensor(tmp_path):
    mg = _mg()
    fake_fashion(tmp_path)
    x, y = load_fashion_mnist(tmp_path, split="test", as_tensor=True)
    assert isinstance(x, mg.Tensor) and x.shape == (4, 1, 28, 28) and x.dtype == np.float32
    assert isinstance(y, mg.Tensor) and y.dtype == np.int64


def test_load_fashion_mnist_env_var(tmp_path, monkeypatch):
    fake_fashion(tmp_path / "env", n_train=3)
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path / "env"))
    x, _ = load_fashion_mnist()
    assert x.shape[0] == 3


def test_load_fashion_mnist_absent(tmp_path, monkeypatch):
    monkeypatch.setenv(data.FASHION_MNIST_ENV, str(tmp_path / "from-env"))
    monkeypatch.setattr(data, "FASHION_MNIST_DEFAULT_DIR", str(tmp_path / "system"))
    with pytest.raises(FileNotFoundError) as info:
        load_fashion_mnist(split="test")
    message = str(info.value)
    assert "t10k-images-idx3-ubyte" in message
    assert str(tmp_path / "from-env") in message and str(tmp_path / "system") in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "MINIGRAD_FASHION_MNIST" in message and "root=" in message
    assert "never downloads" in message
    with pytest.raises(FileNotFoundError, match="nowhere"):
        load_fashion_mnist(root=tmp_path / "nowhere")


def test_load_fashion_mnist_validates_contents(tmp_path):
    fake_fashion(tmp_path)
    # more labels than images
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.zeros(5, dtype=np.uint8)), gz=True)
    with pytest.raises(ValueError, match="4 images .* but 5 labels"):
        load_fashion_mnist(tmp_path, split="test")
    # a label out of range
    write(tmp_path / "t10k-labels-idx1-ubyte", idx_bytes(np.array([0, 1, 2, 10], dtype=np.uint8)), gz=True)
    with pytest.raises(ValueError, match="labels must be 0..9"):
        load_fashion_mnist(tmp_path, split="test")
    # images of the wrong size
    write(tmp_path / "t10k-images-idx3-ubyte", idx_bytes(np.zeros((4, 8, 8), dtype=np.uint8)), gz=True)
    with pytest.raises(ValueError, match=r"\(N, 28, 28\)"):
        load_fashion_mnist(tmp_path, split="test")
    # the labels file swapped for an images file: caught by the shape check
    write(tmp_path / "train-labels-idx1-ubyte", idx_bytes(np.zeros((6, 28, 28), dtype=np.uint8)), gz=True)
    with pytest.raises(ValueError, match=r"labels shaped \(N,\)"):
        load_fashion_mnist(tmp_path, split="train")


@pytest.mark.skipif(
    not all(
        (data.Path(data.FASHION_MNIST_DEFAULT_DIR) / f"t10k-{k}-idx{d}-ubyte.gz").exists()
        for k, d in (("images", 3), ("labels", 1))
    ),
    reason="Fashion-MNIST not in /usr/share/datasets/fashion-mnist (apt-get install dataset-fashion-mnist)",
)
def test_real_fashion_mnist_test_split(monkeypatch):
    monkeypatch.delenv(data.FASHION_MNIST_ENV, raising=False)
    x, y = load_fashion_mnist(split="test")
    assert x.shape == (10000, 1, 28, 28) and y.shape == (10000,)
    assert np.bincount(y).tolist() == [1000] * 10
    assert 0.2 < x.mean() < 0.4


# ------------------------------------------------------------------------------------------------------
# scikit-learn's digits
# ------------------------------------------------------------------------------------------------------
def test_load_digits():
    pytest.importorskip("sklearn")
    x, y = load_digits()
    assert x.shape == (1797, 1, 8, 8) and x.dtype == np.float32
    assert y.shape == (1797,) and y.dtype == np.int64
    assert x.min() == 0.0 and x.max() == 1.0
    assert set(np.unique(y)) == set(range(10))
    xf, _ = load_digits(flatten=True, dtype="float64")
    assert xf.shape == (1797, 64) and xf.dtype == np.float64


def test_load_digits_as_tensor():
    pytest.importorskip("sklearn")
    mg = _mg()
    x, y = load_digits(as_tensor=True, flatten=True)
    assert isinstance(x, mg.Tensor) and x.shape == (1797, 64)
    assert y.dtype == np.int64


def test_load_digits_without_sklearn(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn.datasets", None)  # makes the import fail
    with pytest.raises(ImportError, match=r"pip install minigrad\[demos\]"):
        load_digits()
