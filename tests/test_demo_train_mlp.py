import json

import pytest

from tests.demo_helpers import fashion_available as _fashion_available
from tests.demo_helpers import load_demo

pytestmark = pytest.mark.skipif(
    not _fashion_available(),
    reason="Fashion-MNIST files not found (apt-get install dataset-fashion-mnist, or set MINIGRAD_FASHION_MNIST)",
)


def test_train_mlp_quick(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    demo = load_demo("train_mlp")
    record = demo.main(["--quick", "--out", str(tmp_path), "--seed", "0", "--no-progress"])

    png = tmp_path / "loss_curve.png"
    js = tmp_path / "train_mlp.json"
    assert png.is_file() and png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    saved = json.loads(js.read_text())
    assert saved["config"]["quick"] is True
    assert len(saved["loss"]) == len(saved["step"]) == len(saved["loss_smoothed"]) > 20
    assert saved["eval_step"] and len(saved["eval_step"]) == len(saved["test_accuracy"])
    assert saved["final_test_accuracy"] == record["final_test_accuracy"]

    losses = saved["loss"]
    first, last = sum(losses[:5]) / 5, sum(losses[-5:]) / 5
    assert last < 0.7 * first, (first, last)  # starts near ln(10) = 2.3
    assert saved["final_test_accuracy"] > 0.6  # chance is 0.1

    out = capsys.readouterr().out
    assert "test accuracy" in out and "time:" in out


def test_train_mlp_is_reproducible(tmp_path):
    pytest.importorskip("matplotlib")
    demo = load_demo("train_mlp")
    argv = ["--quick", "--seed", "3", "--no-progress", "--epochs", "1", "--evals-per-epoch", "1"]
    a = demo.main([*argv, "--out", str(tmp_path / "a")])
    b = demo.main([*argv, "--out", str(tmp_path / "b")])
    assert a["loss"] == b["loss"]
