"""Run every lecture demo in turn, writing each one's figures and JSON into demos/out/<demo>/.

python demos/run_all.py            # the full runs
python demos/run_all.py --quick    # small versions (seconds each), as the tests run them
python demos/run_all.py train_mlp  # only the named demos
"""

import argparse
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def demos():
    """Every script in demos/ that defines main(argv), in a stable order."""
    return sorted(
        p.stem
        for p in HERE.glob("*.py")
        if p.stem not in ("run_all", "__init__", "common") and "def main(" in p.read_text()
    )


def run(name, out_root, quick, seed):
    """Run one demo in its own process, as a student would: thread pools and settings start fresh."""
    argv = ["--out", str(out_root / name), "--seed", str(seed)] + (["--quick"] if quick else [])
    start = time.perf_counter()
    subprocess.run([sys.executable, str(HERE / f"{name}.py"), *argv], check=True)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="demos to run (default: all)")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    names = args.names or demos()
    unknown = set(names) - set(demos())
    if unknown:
        parser.error(f"unknown demo(s) {sorted(unknown)}; available: {demos()}")
    times = {}
    total = time.perf_counter()
    for i, name in enumerate(names, 1):
        print(f"\n=== [{i}/{len(names)}] {name} ===", flush=True)
        times[name] = run(name, args.out, args.quick, args.seed)
    print("\n=== done ===")
    for name, t in times.items():
        print(f"  {name:28s} {t:7.1f} s   -> {args.out / name}")
    print(f"  {'total':28s} {time.perf_counter() - total:7.1f} s")


if __name__ == "__main__":
    main()
