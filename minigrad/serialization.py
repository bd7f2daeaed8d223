"""``mg.save`` / ``mg.load``: checkpoints as ``.npz`` files, never pickle.

A checkpoint is any nesting of dicts, lists and tuples whose leaves are tensors, NumPy arrays,
numbers, strings or None, as PyTorch scripts save them::

    mg.save({"epoch": 5, "model": model.state_dict(), "optimizer": opt.state_dict()}, "ckpt.npz")
    ckpt = mg.load("ckpt.npz")
    model.load_state_dict(ckpt["model"]); opt.load_state_dict(ckpt["optimizer"])

The file is a zip (NumPy's ``.npz``) of one ``.npy`` member per array, named after its place in the
structure (``model/fc.weight``), plus a JSON member, ``__minigrad__.json``, that describes the
structure. Loading reads JSON and plain arrays only, so it can never run code (PyTorch's
``torch.save`` writes a pickle, which can). Each member's declared size is checked against its
array header before anything is decompressed, so a crafted file cannot make ``load`` use unbounded
memory. ``save`` writes to a temporary file and renames it, so an interrupted save never leaves half
a file in place of a good one; the file gets the usual permissions (0644 under umask 022), and a
symlink is written through, as ``open(path, "w")`` would.
"""

import io
import json
import math
import os
import re
import tempfile
import zipfile
from collections import OrderedDict

import numpy as np

__all__ = ["save", "load"]

MANIFEST = "__minigrad__.json"
FORMAT = "minigrad.checkpoint"
_DEFLATE_MAX_RATIO = 1100  # deflate cannot expand data more than ~1032x; anything more is a bomb
_SAFE_NAME = re.compile(r"[\w.\-/ ]{1,200}\Z")


# ------------------------------------------------------------------------------------------------
# save
# ------------------------------------------------------------------------------------------------
class _Writer:
    """Turns a checkpoint into (JSON node, {member name: array})."""

    def __init__(self):
        self.arrays = {}

    def member(self, path):
        name = "/".join(str(p) for p in path) or "tensor"
        if not _SAFE_NAME.match(name):
            name = f"array{len(self.arrays)}"
        base, n = name, 1
        while name + ".npy" in self.arrays:
            name, n = f"{base}~{n}", n + 1
        return name + ".npy"

    def node(self, value, path):
        from minigrad.tensor import Tensor

        if value is None or isinstance(value, (bool, str)):
            return value
        if isinstance(value, np.generic) and value.dtype != object:
            value = value.item()
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return {"float": repr(value)}  # exact, and nan/inf survive (JSON has neither)
        if isinstance(value, Tensor):
            name = self.member(path)
            self.arrays[name] = np.asarray(value.detach()._host_array(), order="C")
            return {"tensor": name, "requires_grad": bool(value.requires_grad), "device": str(value.device)}
        if isinstance(value, np.ndarray):
            if value.dtype.hasobject:
                raise TypeError(f"save: the array at {_where(path)} holds Python objects; only plain arrays are saved")
            name = self.member(path)
            self.arrays[name] = np.asarray(value, order="C")
            return {"ndarray": name}
        if isinstance(value, dict):
            items = []
            for k, v in value.items():
                if k is not None and not isinstance(k, (str, int, float, bool)):
                    raise TypeError(f"save: dict keys must be strings or numbers, got {k!r} at {_where(path)}")
                items.append([self.node(k, path + ["key"]), self.node(v, path + [k])])
            return {"dict": items, "ordered": True} if isinstance(value, OrderedDict) else {"dict": items}
        if isinstance(value, (list, tuple)):
            kind = "list" if isinstance(value, list) else "tuple"
            return {kind: [self.node(v, path + [i]) for i, v in enumerate(value)]}
        raise TypeError(
            f"save: cannot save a {type(value).__name__} at {_where(path)}: a checkpoint holds tensors, NumPy arrays, "
            "numbers, strings, None, and dicts, lists and tuples of them (no pickled objects)"
        )


def _where(path):
    return "the top level" if not path else "".join(f"[{p!r}]" for p in path)


def _write_zip(f, manifest, arrays):
    with zipfile.ZipFile(f, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
        zf.writestr(MANIFEST, json.dumps(manifest))
        for name, array in arrays.items():
            with zf.open(name, "w", force_zip64=array.nbytes > 2**30) as member:
                np.lib.format.write_array(member, array, allow_pickle=False)


def save(obj, f):
    """Save ``obj`` (a state_dict, a tensor, or a dict/list/tuple nesting of tensors, arrays, numbers,
    strings and None) to ``f``, a path or a binary file object, as an ``.npz`` file that ``load`` reads.

    The path is used as given (no ``.npz`` is appended). Raises TypeError naming the first value that
    cannot be saved, and FileNotFoundError when the folder does not exist; the old file is then untouched.
    """
    writer = _Writer()
    root = writer.node(obj, [])
    manifest = {"format": FORMAT, "version": 1, "root": root}
    if hasattr(f, "write"):
        _write_zip(f, manifest, writer.arrays)
        return
    atomic_write(f, lambda out: _write_zip(out, manifest, writer.arrays), "save")


def _umask():
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)  # no /proc: read it by setting it (and set it back at once)
    os.umask(mask)
    return mask


def atomic_write(path, write, op):
    """Call ``write(file)`` on a temporary file next to ``path``, then rename it over ``path``.

    A symlink is followed (its target is replaced); the file keeps the mode of the file it replaces,
    or gets 0666 minus the umask (0644 usually), as a file created with ``open`` would.
    """
    path = os.path.realpath(os.fspath(path))
    folder = os.path.dirname(path)
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"{op}: cannot write {path!r}: the folder {folder!r} does not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"{op}: {path!r} is a directory; give a file name")
    try:
        mode = os.stat(path).st_mode & 0o7777
    except FileNotFoundError:
        mode = 0o666 & ~_umask()
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".minigrad-", suffix=".tmp")
    except OSError as e:
        raise type(e)(e.errno, f"{op}: cannot write into the folder {folder!r} ({e.strerror})") from None
    try:
        with os.fdopen(fd, "wb") as out:
            write(out)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


# ------------------------------------------------------------------------------------------------
# load
# ------------------------------------------------------------------------------------------------
def _not_a_checkpoint(name, head, zf=None):
    """The error for a file ``load`` does not read, saying what the file seems to be."""
    if zf is not None and any(n == "data.pkl" or n.endswith("/data.pkl") for n in zf.namelist()):
        what = (
            "a PyTorch checkpoint written by torch.save (a zip holding a pickle). minigrad never unpickles, "
            "because unpickling can run code. Convert it once, with torch and minigrad installed: "
            "sd = torch.load(path, weights_only=True); "
            "mg.save({k: mg.tensor(v.numpy()) for k, v in sd.items()}, 'model.npz'); then mg.load('model.npz')"
        )
    elif head.startswith(b"\x93NUMPY"):
        what = "a single NumPy array (.npy), not a checkpoint: read it with mg.from_numpy(numpy.load(path))"
    elif head[:1] == b"\x80":
        what = (
            "a Python pickle (torch.save's legacy format, or pickle.dump). minigrad never unpickles, because "
            "unpickling can run code; load it in PyTorch (torch.load(path, weights_only=True)) and save the "
            "arrays with numpy.savez"
        )
    elif zf is not None:
        what = "a zip file without NumPy arrays in it"
    else:
        what = "not a zip (.npz) file"
    return ValueError(f"load: {name} is {what}")


def _read_array(zf, info, name):
    """Read one .npy member, checking its declared size against its header before decompressing."""
    with zf.open(info) as f:
        try:
            version = np.lib.format.read_magic(f)
            if version == (1, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
            elif version == (2, 0):
                shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
            else:
                raise ValueError(f"unsupported .npy version {version}")
        except ValueError as e:
            raise ValueError(f"load: {name}: member {info.filename!r} is not a valid array ({e})") from None
        if dtype.hasobject:
            raise ValueError(
                f"load: {name}: member {info.filename!r} holds pickled Python objects; minigrad never unpickles"
            )
        nbytes = math.prod(shape) * dtype.itemsize
        header = f.tell()
        if info.file_size != header + nbytes:
            raise ValueError(
                f"load: {name}: member {info.filename!r} declares {info.file_size} bytes, but its header describes "
                f"{header + nbytes} (shape {shape}, {dtype}): the file is corrupt or crafted"
            )
        if info.compress_type != zipfile.ZIP_STORED and info.file_size > _DEFLATE_MAX_RATIO * info.compress_size + 4096:
            raise ValueError(
                f"load: {name}: member {info.filename!r} claims to expand {info.compress_size} compressed bytes into "
                f"{info.file_size}, more than compression allows: refusing a decompression bomb"
            )
        if nbytes > _physical_memory():
            raise MemoryError(
                f"load: {name}: member {info.filename!r} is an array of {nbytes} bytes (shape {shape}), more than "
                "this machine's memory"
            )
        out = np.empty(shape, dtype, order="F" if fortran else "C")
        view = memoryview(out.reshape(-1, order="A").view(np.uint8)) if nbytes else memoryview(b"")
        got = 0
        while got < nbytes:
            n = f.readinto(view[got:])
            if not n:
                raise ValueError(f"load: {name}: member {info.filename!r} is truncated ({got} of {nbytes} bytes)")
            got += n
    return out if out.flags.c_contiguous else np.array(out, order="C")  # (ascontiguousarray makes 0-d 1-d)


def _physical_memory():
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):  # not POSIX: no limit beyond the checks above
        return float("inf")


class _Reader:
    def __init__(self, zf, name, map_location):
        self.zf, self.name, self.map_location = zf, name, map_location

    def array(self, member):
        try:
            info = self.zf.getinfo(member)
        except KeyError:
            raise ValueError(f"load: {self.name}: the manifest names a missing member {member!r}") from None
        try:
            return _read_array(self.zf, info, self.name)
        except (zipfile.BadZipFile, EOFError, OSError) as e:  # a bad CRC, a truncated stream
            raise ValueError(f"load: {self.name}: member {member!r} is damaged ({e})") from None

    def tensor(self, array, device="cpu", requires_grad=False):
        from minigrad.tensor import Tensor

        t = Tensor._wrap(array)
        target = _target_device(self.map_location, device)
        if callable(target):
            t = target(t, device)
        elif target != "cpu":
            try:
                t = t.to(target)
            except (RuntimeError, ValueError) as e:
                raise RuntimeError(
                    f"load: {self.name} holds a tensor saved on {device!r}, which cannot be used here ({e}); "
                    "pass map_location='cpu'"
                ) from None
        if requires_grad and t.dtype.kind == "f":
            t.requires_grad_(True)
        return t

    def node(self, node):
        if node is None or isinstance(node, (bool, int, str)):
            return node
        if isinstance(node, list) or not isinstance(node, dict) or len(node) > 3:
            raise ValueError(f"load: {self.name}: malformed manifest entry {str(node)[:80]!r}")
        if "float" in node:
            return float(node["float"])
        if "tensor" in node:
            return self.tensor(self.array(node["tensor"]), node.get("device", "cpu"), node.get("requires_grad", False))
        if "ndarray" in node:
            return self.array(node["ndarray"])
        if "dict" in node:
            items = ((self.node(k), self.node(v)) for k, v in node["dict"])
            return OrderedDict(items) if node.get("ordered") else dict(items)
        if "list" in node:
            return [self.node(v) for v in node["list"]]
        if "tuple" in node:
            return tuple(self.node(v) for v in node["tuple"])
        raise ValueError(f"load: {self.name}: unknown manifest entry {str(node)[:80]!r}")


def _target_device(map_location, saved):
    from minigrad.device import device

    if map_location is None:
        return saved
    if callable(map_location) and not isinstance(map_location, str):
        return map_location
    if isinstance(map_location, dict):
        return str(map_location.get(saved, saved))
    return str(device(map_location)).split(":")[0]


def load(f, map_location=None, weights_only=None, mmap=None):
    """Load what ``save`` wrote (a path or a binary file object), rebuilding its dicts, lists and tuples.

    Tensors come back bit for bit, on the device they were saved from, or on ``map_location``
    ("cpu", "cuda", an ``mg.device``, a dict {saved device: device}, or PyTorch's
    ``lambda storage, location: ...``). ``weights_only`` and ``mmap`` are accepted for PyTorch's
    signature; loading is always weights-only (nothing is unpickled). Files written by ``np.savez``
    load as a dict of tensors.
    """
    name = repr(os.fspath(f)) if not hasattr(f, "read") else "the file object"
    if hasattr(f, "read"):
        data = f if hasattr(f, "seek") else io.BytesIO(f.read())
        start = data.tell()
        head = data.read(8)
        data.seek(start)
        source = data
    else:
        with open(os.fspath(f), "rb") as fh:
            head = fh.read(8)
        source = os.fspath(f)
    if not head.startswith((b"PK\x03\x04", b"PK\x05\x06")):
        raise _not_a_checkpoint(name, head)
    try:
        zf = zipfile.ZipFile(source)
    except zipfile.BadZipFile as e:
        raise ValueError(f"load: {name} is a damaged zip file ({e})") from None
    with zf:
        reader = _Reader(zf, name, map_location)
        names = zf.namelist()
        if MANIFEST in names:
            info = zf.getinfo(MANIFEST)
            if info.file_size > 64 * 2**20:
                raise ValueError(f"load: {name}: the manifest is implausibly large ({info.file_size} bytes)")
            try:
                manifest = json.loads(zf.read(MANIFEST))
            except ValueError as e:
                raise ValueError(f"load: {name}: the manifest is not valid JSON ({e})") from None
            if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
                raise ValueError(f"load: {name}: unknown manifest format {str(manifest)[:80]!r}")
            return reader.node(manifest.get("root"))
        arrays = [n for n in names if n.endswith(".npy")]
        if not arrays or len(arrays) != len(names):
            raise _not_a_checkpoint(name, head, zf)
        # a plain np.savez file (or a minigrad file from before the manifest): a dict of tensors
        return {n[:-4]: reader.tensor(reader.array(n)) for n in arrays}
