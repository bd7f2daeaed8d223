"""Regenerate the docs' figures: run every demo and copy its PNGs into docs/figures/<demo>/.

python docs/make_figures.py           # full runs (the figures the docs show)
python docs/make_figures.py --quick   # fast, smaller runs
"""

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("names", nargs="*")
    args = parser.parse_args(argv)
    out = ROOT / "demos" / "out"
    cmd = [sys.executable, str(ROOT / "demos" / "run_all.py"), "--out", str(out), *args.names]
    subprocess.run(cmd + (["--quick"] if args.quick else []), check=True)
    for folder in sorted(p for p in out.iterdir() if p.is_dir()):
        if args.names and folder.name not in args.names:
            continue
        target = DOCS / "figures" / folder.name
        target.mkdir(parents=True, exist_ok=True)
        for png in folder.glob("*.png"):
            shutil.copy2(png, target / png.name)
            print(f"docs/figures/{folder.name}/{png.name}")


if __name__ == "__main__":
    main()
