"""End-to-end: PyTorch scripts (tests/ports/) run on minigrad with only their imports changed, and give what
they give on PyTorch from the same initial weights and batches (issue 13's tests).

Each script is read as text; for minigrad its ``import torch...`` lines are rewritten and nothing else
(the test checks that), then both versions run in this process.
"""

import types
from pathlib import Path

import numpy as np
import torch

PORTS = Path(__file__).parent / "ports"

# PyTorch's import lines and minigrad's; nothing else in a script changes
IMPORTS = {
    "import torch\n": "import minigrad as torch\n",
    "import torch.nn as nn\n": "import minigrad.nn as nn\n",
    "import torch.nn.functional as F\n": "import minigrad.nn.functional as F\n",
    "import torch.optim as optim\n": "import minigrad.optim as optim\n",
    "from torch.optim import ": "from minigrad.optim import ",
    "from torch.optim.lr_scheduler import ": "from minigrad.optim.lr_scheduler import ",
    "from torch.utils.data import ": "from minigrad.utils.data import ",
}


def _load(name, framework):
    source = (PORTS / f"{name}.py").read_text()
    if framework == "minigrad":
        ported = source
        for a, b in IMPORTS.items():
            ported = ported.replace(a, b)
        changed = [(a, b) for a, b in zip(source.splitlines(), ported.splitlines()) if a != b]
        assert changed and all(a.startswith(("import torch", "from torch")) for a, _ in changed), changed
        source = ported
    module = types.ModuleType(f"port_{name}_{framework}")
    exec(compile(source, str(PORTS / f"{name}.py"), "exec"), module.__dict__)
    return module


def _both(name):
    return _load(name, "torch"), _load(name, "minigrad")


def _save_init(module, path):
    np.savez(path, **{k: v.detach().numpy() for k, v in module.state_dict().items()})


# float32 training runs agree to float rounding, which SGD amplifies a little step by step
F32 = dict(rtol=2e-5, atol=2e-6)


def test_cnn_with_scheduler_and_checkpoint_resumed_mid_training(tmp_path, capsys):
    pt, mgr = _both("cnn_checkpoint")
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 4, 96)
    images = rng.standard_normal((96, 1, 8, 8)).astype(np.float32) * 0.5
    for k in range(4):  # a class is a bright quadrant: learnable in a few steps
        images[labels == k, 0, (k // 2) * 4 : (k // 2) * 4 + 4, (k % 2) * 4 : (k % 2) * 4 + 4] += 2.0
    np.savez(
        tmp_path / "data.npz",
        x_train=images[:64], y_train=labels[:64], x_test=images[64:], y_test=labels[64:],
        order=rng.permutation(64),
    )  # fmt: skip
    torch.manual_seed(0)
    _save_init(pt.Net(), tmp_path / "init.npz")
    (tmp_path / "torch").mkdir()
    (tmp_path / "minigrad").mkdir()
    for sub in ("torch", "minigrad"):
        for f in ("data.npz", "init.npz"):
            (tmp_path / sub / f).write_bytes((tmp_path / f).read_bytes())
    ref = pt.main(tmp_path / "torch")
    out = mgr.main(tmp_path / "minigrad")

    np.testing.assert_allclose(out["losses"], ref["losses"], **F32)
    assert out["lrs"] == ref["lrs"]
    for (loss, correct), (tloss, tcorrect) in zip(out["tests"], ref["tests"]):
        np.testing.assert_allclose(loss, tloss, **F32)
        assert correct == tcorrect
    assert ref["tests"][-1][1] >= 24  # it learned (of 32)
    # resuming from epoch 1's checkpoint gives the straight run's last epochs exactly, in both frameworks
    assert ref["resumed"] == ref["losses"][4:] and out["resumed"] == out["losses"][4:]
    for k in ref["final"]:
        np.testing.assert_allclose(out["final"][k], ref["final"][k], **F32, err_msg=k)
    printed = capsys.readouterr().out.splitlines()
    assert sum("Test set: Average loss" in line for line in printed) == 6  # three epochs in each framework


NAME_PARTS = ["an", "el", "mi", "ra", "jo", "ka", "li", "so", "ty", "ne", "be", "da"]


def test_makemore_mlp_with_manual_updates():
    pt, mgr = _both("makemore_mlp")
    rng = np.random.default_rng(1)
    words = ["".join(rng.choice(NAME_PARTS, rng.integers(1, 4))) for _ in range(300)]
    vocab = len(set("".join(words))) + 1
    init = {
        "C": rng.standard_normal((vocab, 6)).astype(np.float32),
        "W1": (rng.standard_normal((18, 40)) * 0.2).astype(np.float32),
        "b1": (rng.standard_normal(40) * 0.01).astype(np.float32),
        "W2": (rng.standard_normal((40, vocab)) * 0.01).astype(np.float32),
        "b2": np.zeros(vocab, dtype=np.float32),
    }
    n_train = sum(len(w) + 1 for w in words[: int(0.8 * len(words))])
    batches = [rng.integers(0, n_train, 32).tolist() for _ in range(60)]
    ref = pt.main(words, init, batches)
    out = mgr.main(words, init, batches)
    np.testing.assert_allclose(out["lossi"], ref["lossi"], **F32)
    np.testing.assert_allclose(out["dev_loss"], ref["dev_loss"], **F32)
    np.testing.assert_allclose(out["C"], ref["C"], **F32)
    assert ref["lossi"][-1] < ref["lossi"][0] - 0.05  # it learned (log10 of the loss)
    letters = set("".join(NAME_PARTS))
    assert len(out["samples"]) == 5 and all(set(s) <= letters for s in out["samples"])  # other random draws


def test_classifier_with_dataloader_workers_onecycle_and_clipping(tmp_path):
    pt, mgr = _both("classifier_workers")
    rng = np.random.default_rng(2)
    n = 160
    x = rng.standard_normal((n, 6)).astype(np.float32)
    cat = rng.integers(0, 5, n)
    y = ((x[:, 0] + 0.5 * x[:, 1] > 0).astype(int) + (cat >= 3)).astype(np.int64)
    np.savez(
        tmp_path / "data.npz",
        x_train=x[:128], cat_train=cat[:128], y_train=y[:128], x_test=x[128:], cat_test=cat[128:], y_test=y[128:],
        order=rng.permutation(128),
    )  # fmt: skip
    torch.manual_seed(1)
    _save_init(pt.Classifier(6, 5, 3), tmp_path / "init.npz")
    ref = pt.main(tmp_path)
    out = mgr.main(tmp_path)
    np.testing.assert_allclose(out["losses"], ref["losses"], **F32)
    np.testing.assert_allclose(out["norms"], ref["norms"], **F32)
    np.testing.assert_allclose(out["probs"], ref["probs"], **F32)
    assert out["accuracy"] == ref["accuracy"] and np.array_equal(out["top2"], ref["top2"])
    assert ref["losses"][-1] < ref["losses"][0]
    same = mgr.main(tmp_path, num_workers=0)  # workers change nothing
    assert same["losses"] == out["losses"]
