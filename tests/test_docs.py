"""The docs site builds with --strict: every page in the nav exists, every link and figure resolves,
and every API page's module imports and documents."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_mkdocs_builds_strict(tmp_path):
    if (
        shutil.which("mkdocs") is None
        and subprocess.run([sys.executable, "-m", "mkdocs", "--version"], capture_output=True).returncode != 0
    ):
        pytest.fail("mkdocs is not installed: `pip install -e .[test]` installs it")
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert out.returncode == 0, out.stdout[-4000:] + out.stderr[-4000:]
    assert (tmp_path / "site" / "demos" / "weight_init" / "index.html").exists()


def test_every_demo_has_a_docs_page_and_a_figure_folder():
    demos = sorted(
        p.stem
        for p in (ROOT / "demos").glob("*.py")
        if "def main(" in p.read_text() and p.stem not in ("run_all", "common", "train_mlp")
    )
    for name in demos:
        assert (ROOT / "docs" / "demos" / f"{name}.md").exists(), name
        assert list((ROOT / "docs" / "figures" / name).glob("*.png")), (
            f"no figures for {name}: run docs/make_figures.py"
        )
