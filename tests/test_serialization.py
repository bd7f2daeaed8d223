"""mg.save / mg.load: nested checkpoints without pickle, PyTorch's file behaviour, and clear errors for
the files it does not read (issue 12 item 11 and its unclear-error items; issue 13 item 2)."""

import io
import os
import pickle
import struct
import zipfile

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim


def _checkpoint():
    model = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4), nn.Linear(4, 2))
    opt = optim.Adam(model.parameters(), lr=0.01)
    model(mg.randn(5, 3)).sum().backward()
    opt.step()
    return {
        "epoch": 7,
        "model": model.state_dict(),
        "optimizer": opt.state_dict(),
        "best": 0.875,
        "nan": float("nan"),
        "huge": 2**70,
        "name": "run/1 é",
        "none": None,
        "flag": True,
        "pair": (1, 2.5),
        "losses": [mg.tensor(1.5), mg.tensor([2.0, 3.0], dtype=mg.float64)],
        "numpy": np.arange(6, dtype=np.int32).reshape(2, 3),
        3: "an int key",
        "allow_pickle": mg.ones(2),
        "file": mg.zeros(1),
    }


def _same(a, b):
    assert type(a) is type(b), (type(a), type(b))
    if isinstance(a, dict):
        assert list(a) == list(b)
        for k in a:
            _same(a[k], b[k])
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b)
        for x, y in zip(a, b):
            _same(x, y)
    elif isinstance(a, mg.Tensor):
        assert a.dtype == b.dtype and a.shape == b.shape and a.requires_grad == b.requires_grad
        assert a.numpy().tobytes() == b.numpy().tobytes()
    elif isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and np.array_equal(a, b)
    elif isinstance(a, float) and a != a:
        assert b != b
    else:
        assert a == b


def test_nested_checkpoint_round_trips_bit_for_bit(tmp_path):
    ckpt = _checkpoint()
    path = tmp_path / "ckpt.pt"  # any name: nothing is appended
    mg.save(ckpt, path)
    assert os.listdir(tmp_path) == ["ckpt.pt"]
    _same(mg.load(path), ckpt)
    # the optimizer's integer parameter indices stay integers (PyTorch's structure)
    assert list(mg.load(path)["optimizer"]["state"]) == [0, 1, 2, 3, 4, 5]


def test_file_objects_tensors_and_requires_grad(tmp_path):
    buf = io.BytesIO()
    w = mg.randn(3, requires_grad=True)
    mg.save(w, buf)
    buf.seek(0)
    back = mg.load(buf)
    assert back.requires_grad and back.is_leaf and back.tolist() == w.tolist()
    with open(tmp_path / "f.npz", "wb") as f:
        mg.save({"a": [mg.ones(1)]}, f)
    with open(tmp_path / "f.npz", "rb") as f:
        assert mg.load(f)["a"][0].tolist() == [1.0]


def test_flat_state_dicts_stay_readable_by_numpy(tmp_path):
    sd = nn.Linear(2, 3).state_dict()
    mg.save(sd, tmp_path / "m.npz")
    with np.load(tmp_path / "m.npz") as f:  # arrays are named after their keys
        assert np.array_equal(f["weight"], sd["weight"].numpy()) and np.array_equal(f["bias"], sd["bias"].numpy())
    np.savez(tmp_path / "plain.npz", w=np.ones(2), b=np.arange(3))  # and plain np.savez files load
    plain = mg.load(tmp_path / "plain.npz")
    assert list(plain) == ["w", "b"] and plain["b"].dtype == mg.int64


@pytest.mark.parametrize(
    "map_location", [None, "cpu", mg.device("cpu"), {"cpu": "cpu"}, lambda storage, location: storage]
)
def test_map_location_forms_and_weights_only(tmp_path, map_location):
    mg.save({"w": mg.ones(2)}, tmp_path / "m.npz")
    out = mg.load(tmp_path / "m.npz", map_location=map_location, weights_only=True)
    assert out["w"].device == "cpu" and out["w"].tolist() == [1.0, 1.0]


def test_file_mode_is_0644_and_an_existing_mode_is_kept(tmp_path):
    old = os.umask(0o022)
    try:
        mg.save({"a": mg.ones(1)}, tmp_path / "new.npz")
        torch.save({"a": torch.ones(1)}, tmp_path / "torch.pt")
    finally:
        os.umask(old)
    mode = os.stat(tmp_path / "new.npz").st_mode & 0o777
    assert mode == 0o644 == os.stat(tmp_path / "torch.pt").st_mode & 0o777
    os.chmod(tmp_path / "new.npz", 0o600)
    mg.save({"a": mg.zeros(1)}, tmp_path / "new.npz")
    assert os.stat(tmp_path / "new.npz").st_mode & 0o777 == 0o600


def test_save_writes_through_a_symlink(tmp_path):
    (tmp_path / "real").mkdir()
    target = tmp_path / "real" / "model.npz"
    mg.save({"a": mg.ones(1)}, target)
    link = tmp_path / "latest.npz"
    link.symlink_to(target)
    mg.save({"a": mg.full((1,), 5.0)}, link)
    assert link.is_symlink() and mg.load(target)["a"].tolist() == [5.0]
    assert sorted(os.listdir(tmp_path / "real")) == ["model.npz"]  # no temporary file left


def test_save_errors_name_the_problem_and_keep_the_old_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="the folder .*missing.* does not exist") as e:
        mg.save({"a": mg.ones(1)}, tmp_path / "missing" / "m.npz")
    assert ".minigrad-" not in str(e.value) and "tmp" not in os.path.basename(str(e.value))
    with pytest.raises(IsADirectoryError):
        mg.save({"a": mg.ones(1)}, tmp_path)
    mg.save({"a": mg.ones(1)}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match=r"cannot save a object at \['model'\]\['x'\]"):
        mg.save({"model": {"x": object()}}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="dict keys"):
        mg.save({(1, 2): mg.ones(1)}, tmp_path / "m.npz")
    with pytest.raises(TypeError, match="Python objects"):
        mg.save({"a": np.array([object()])}, tmp_path / "m.npz")
    assert mg.load(tmp_path / "m.npz")["a"].tolist() == [1.0]
    assert os.listdir(tmp_path) == ["m.npz"]


def test_load_says_what_a_file_is_when_it_is_not_a_checkpoint(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(ValueError, match="not a zip"):
        mg.load(tmp_path / "notes.txt")
    np.save(tmp_path / "one.npy", np.ones(3))
    with pytest.raises(ValueError, match=r"single NumPy array \(.npy\).*mg.from_numpy\(numpy.load"):
        mg.load(tmp_path / "one.npy")
    torch.save({"w": torch.ones(2)}, tmp_path / "torch.pt")
    with pytest.raises(ValueError, match="torch.save.*never unpickles.*weights_only=True.*mg.save"):
        mg.load(tmp_path / "torch.pt")
    torch.save({"w": torch.ones(2)}, tmp_path / "legacy.pt", _use_new_zipfile_serialization=False)
    with pytest.raises(ValueError, match="pickle"):
        mg.load(tmp_path / "legacy.pt")
    with open(tmp_path / "obj.pkl", "wb") as f:
        pickle.dump({"w": [1, 2]}, f)
    with pytest.raises(ValueError, match="pickle"):
        mg.load(tmp_path / "obj.pkl")
    np.savez(tmp_path / "evil.npz", x=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="pickled Python objects"):
        mg.load(tmp_path / "evil.npz")
    with zipfile.ZipFile(tmp_path / "docs.zip", "w") as zf:
        zf.writestr("readme.txt", "hi")
    with pytest.raises(ValueError, match="zip file without NumPy arrays"):
        mg.load(tmp_path / "docs.zip")
    (tmp_path / "cut.npz").write_bytes((tmp_path / "torch.pt").read_bytes()[:100])
    with pytest.raises(ValueError, match="damaged"):
        mg.load(tmp_path / "cut.npz")


def _npy_header(shape):
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f8", "fortran_order": False, "shape": shape})
    return buf.getvalue()


def test_a_member_whose_header_disagrees_with_its_size_is_refused(tmp_path):
    with zipfile.ZipFile(tmp_path / "lie.npz", "w") as zf:
        zf.writestr("x.npy", _npy_header((10**12,)) + b"\0" * 80)  # claims 8 TB, holds 80 bytes
    with pytest.raises(ValueError, match="declares .* bytes, but its header describes"):
        mg.load(tmp_path / "lie.npz")


def test_a_decompression_bomb_is_refused_before_it_is_read(tmp_path):
    # a deflated member whose sizes claim 2 GB from ~2 MB: more than deflate can expand (~1032x)
    header = _npy_header((2**28,))
    with zipfile.ZipFile(tmp_path / "bomb.npz", "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("x.npy", header + b"\0" * (2 * 2**20))
    data = bytearray((tmp_path / "bomb.npz").read_bytes())
    claimed = len(header) + 8 * 2**28
    central = data.index(b"PK\x01\x02")
    struct.pack_into("<I", data, 22, claimed)  # the local header's uncompressed size
    struct.pack_into("<I", data, central + 24, claimed)  # and the central directory's
    (tmp_path / "bomb.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="decompression bomb"):
        mg.load(tmp_path / "bomb.npz")


def test_a_member_with_a_wrong_crc_is_reported_as_damaged(tmp_path):
    mg.save({"a": mg.ones(4)}, tmp_path / "m.npz")
    data = bytearray((tmp_path / "m.npz").read_bytes())
    data[data.rindex(b"\x00\x00\x80\x3f")] ^= 1  # flip a bit of the stored float 1.0
    (tmp_path / "m.npz").write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        mg.load(tmp_path / "m.npz")
