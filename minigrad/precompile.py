"""Compile every Numba kernel into the on-disk cache, with a progress bar.

    python -m minigrad.precompile            # compile (or load) every kernel, float32 and float64
    python -m minigrad.precompile -j 1       # one module after the other, in this process
    python -m minigrad.precompile --clear    # delete minigrad's cached machine code first

A kernel compiles on its first call (about 0.8 s each for the parallel ones); afterwards Numba loads
it from the cache in milliseconds. Running this once after installing minigrad means no script ever
waits for the compiler. Numba compiles on one core, so the kernel modules compile in parallel
processes, one per core (default), the largest module first: the whole takes about as long as the
largest module alone. The cache lives in minigrad/.numba_cache, or in a per-user directory
(~/.cache/minigrad) when minigrad is installed read-only.
"""

import argparse
import glob
import importlib
import importlib.util
import os
import sys
import time


def kernel_modules():
    from minigrad.backends import cpu

    return cpu.kernel_modules()


def _module_names():
    """The kernel modules' names, largest source file first (compile time grows with the code), without
    importing them: a process that has imported numba must not fork workers."""
    from minigrad.backends import cpu

    return sorted(cpu.KERNEL_MODULES, key=lambda name: -os.path.getsize(importlib.util.find_spec(name).origin))


def _warm(name):
    """Compile (or load) the kernels of one module; returns the seconds it took and the CPU seconds it
    used (on a busy machine the first is larger). Runs in a worker."""
    start, cpu = time.perf_counter(), time.process_time()
    importlib.import_module(name).warmup()
    return time.perf_counter() - start, time.process_time() - cpu


def precompile(show_progress=True, jobs=1):
    """Compile (or load from the cache) every kernel, ``jobs`` modules at a time in worker processes
    (1: in this process); returns {module name: (seconds, CPU seconds)}."""
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from multiprocessing import get_context

    from minigrad.utils.progress import progress

    names = _module_names()
    short = {name: name.rsplit(".", 1)[-1] for name in names}
    disable = None if show_progress else True
    bar = progress(total=len(names), desc="compiling minigrad kernels", disable=disable, unit="module")
    times = {}
    if jobs <= 1:
        for name in names:
            bar.set_postfix(module=short[name])
            times[short[name]] = _warm(name)
            bar.update()
    else:
        # "spawn": fresh interpreters; forking a process that runs TBB or OpenMP threads is unsafe
        with ProcessPoolExecutor(min(jobs, len(names)), mp_context=get_context("spawn")) as pool:
            futures = {pool.submit(_warm, name): name for name in names}
            for done in as_completed(futures):
                times[short[futures[done]]] = done.result()
                bar.set_postfix(done=short[futures[done]])
                bar.update()
    bar.close()
    return {short[name]: times[short[name]] for name in names}


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
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="worker processes (default: cores)")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    if args.clear:
        print(f"removed {clear_cache()} cached kernel files", file=sys.stderr)
    times = precompile(show_progress=not args.quiet, jobs=args.jobs)
    total = time.perf_counter() - start
    from minigrad.backends.cpu import jit

    for name, (t, cpu) in times.items():
        print(f"  {name:24s} {t:6.2f} s ({cpu:6.2f} s CPU)")
    print(f"{len(cache_files())} cached kernel files in {jit.cache_dir()}; {total:.1f} s in all, {args.jobs} at a time")


if __name__ == "__main__":
    main()
