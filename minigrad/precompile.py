"""Compile every Numba kernel into the on-disk cache, with a progress bar.

    python -m minigrad.precompile            # compile (or load) every kernel, float32 and float64
    python -m minigrad.precompile --clear    # delete minigrad's cached machine code first

A kernel compiles on its first call (about 0.8 s each for the parallel ones); afterwards Numba loads
it from the cache in milliseconds. Running this once after installing minigrad means no script ever
waits for the compiler. The cache lives in minigrad/.numba_cache, or in a per-user directory
(~/.cache/minigrad) when minigrad is installed read-only.
"""

import argparse
import glob
import os
import sys
import time


def kernel_modules():
    from minigrad.backends import cpu

    return cpu.kernel_modules()


def precompile(show_progress=True):
    """Compile (or load from the cache) every kernel; returns {module name: seconds}."""
    from minigrad.utils.progress import progress

    mods = kernel_modules()
    times = {}
    bar = progress(mods, desc="compiling minigrad kernels", disable=None if show_progress else True, unit="module")
    for mod in bar:
        name = mod.__name__.rsplit(".", 1)[-1]
        bar.set_postfix(module=name)
        start = time.perf_counter()
        mod.warmup()
        times[name] = time.perf_counter() - start
    return times


def cache_files():
    from minigrad.backends.cpu import jit

    return sorted(glob.glob(os.path.join(jit.cache_dir(), "**", "*.nb[ic]"), recursive=True))


def clear_cache():
    files = cache_files()
    for f in files:
        os.remove(f)
    return len(files)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m minigrad.precompile", description=__doc__.split("\n")[0])
    parser.add_argument("--clear", action="store_true", help="delete the cached kernels first")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.clear:
        print(f"removed {clear_cache()} cached kernel files", file=sys.stderr)
    from minigrad.backends.cpu import jit

    times = precompile(show_progress=not args.quiet)
    total = time.perf_counter() - start
    for name, t in times.items():
        print(f"  {name:24s} {t:6.2f} s")
    print(f"{len(cache_files())} cached kernel files in {jit.cache_dir()}; {total:.1f} s in all")


if __name__ == "__main__":
    main()
