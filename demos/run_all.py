"""Run every demo, several side by side, each writing its figures, JSON and log into demos/out/<demo>/.

    python demos/run_all.py                  # every lecture demo and paper reproduction, one per core
    python demos/run_all.py --quick          # the small versions (seconds each), as the tests run them
    python demos/run_all.py -j 1             # one at a time
    python demos/run_all.py --lecture        # only the lecture demos (--reproductions: only those)
    python demos/run_all.py batchnorm he_deep_relu   # only the named demos
    python demos/run_all.py --device cuda -j 2       # every demo on the GPU, two at a time

Each demo runs in its own process with one thread (MINIGRAD_NUM_THREADS=1 and one BLAS thread): the
demos' matrices are small, so one process per core does far more work than one process using every
core. A demo's output (its prints and any error) goes to demos/out/<demo>/log.txt, not to the screen;
the screen shows one line as each demo starts and ends, and a summary table with the wall-clock and
CPU seconds of each. The exit status is 1 if any demo failed (their logs' last lines are printed).
Run `python -m minigrad.precompile` first, or every demo compiles the kernels it needs by itself.
"""

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
GROUPS = {"lecture": HERE, "reproductions": HERE / "reproductions"}

# The full runs' CPU seconds, measured (demos/out/run_all.txt has the latest): the longest start
# first, so that the cores finish together. A demo missing here starts last.
SECONDS = {
    "relu_convergence": 114,
    "batchnorm": 92,
    "krizhevsky_relu": 72,
    "swish_mish": 72,
    "norm_comparison": 59,
    "wu_he_groupnorm": 50,
    "weight_init": 44,
    "lsuv_orthogonal": 31,
    "goodfellow_maxout": 30,
    "ba_layernorm": 30,
    "zigzag": 27,
    "ioffe_szegedy_rates": 26,
    "he_deep_relu": 25,
    "he_prelu": 20,
    "dead_relu": 19,
    "glorot_bengio": 18,
    "preprocessing": 16,
    "clevert_elu": 12,
    "activation_gallery": 7,
    "train_mlp": 6,
}


def demos(group=None):
    """{name: script path} of every demo (a script in demos/ or demos/reproductions/ with a main())."""
    found = {}
    for g, folder in GROUPS.items():
        if group in (None, g):
            for p in sorted(folder.glob("*.py")):
                if p.stem not in ("run_all", "common", "__init__") and "def main(" in p.read_text():
                    found[p.stem] = p
    return found


def child_env():
    """The environment of a demo's process: one thread for minigrad's kernels and for BLAS."""
    env = dict(os.environ, MINIGRAD_NUM_THREADS="1", NUMBA_NUM_THREADS="1")
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        env[var] = "1"
    return env


def start(name, script, out_root, quick, seed, device):
    out = out_root / name
    out.mkdir(parents=True, exist_ok=True)
    argv = [sys.executable, str(script), "--out", str(out), "--seed", str(seed), "--no-progress", "--device", device]
    argv += ["--quick"] if quick else []
    log = open(out / "log.txt", "w")  # noqa: SIM115 (closed when the process ends)
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, env=child_env())
    return {"name": name, "proc": proc, "log": log, "path": out / "log.txt", "start": time.perf_counter()}


def wait_any(running):
    """Wait for one of the running demos to end; returns it with its exit code, wall and CPU seconds."""
    if hasattr(os, "wait4"):
        pid, status, usage = os.wait4(-1, 0)
        job = next(j for j in running if j["proc"].pid == pid)
        job["proc"].returncode = os.waitstatus_to_exitcode(status)
        job["cpu"] = usage.ru_utime + usage.ru_stime
    else:  # no wait4 (Windows): poll, without CPU times
        while not (done := [j for j in running if j["proc"].poll() is not None]):
            time.sleep(0.2)
        job, job["cpu"] = done[0], None
    job["wall"] = time.perf_counter() - job["start"]
    job["log"].close()
    return job


def run(names, scripts, out_root, quick, seed, jobs, device="cpu"):
    """Run the demos, ``jobs`` at a time, longest first; returns the finished jobs in order of ending."""
    queue = sorted(names, key=lambda n: -SECONDS.get(n, 0))
    running, finished = [], []
    while queue or running:
        while queue and len(running) < jobs:
            name = queue.pop(0)
            running.append(start(name, scripts[name], out_root, quick, seed, device))
            print(f"  started  {name}", flush=True)
        job = wait_any(running)
        running.remove(job)
        finished.append(job)
        ok = "done  " if job["proc"].returncode == 0 else "FAILED"
        cpu = f", {job['cpu']:.1f} s CPU" if job["cpu"] is not None else ""
        print(f"  {ok}   {job['name']:<26} {job['wall']:7.1f} s{cpu}  [{len(finished)}/{len(names)}]", flush=True)
    return finished


def summary(finished, total_s, jobs):
    lines = [f"{'demo':<26} {'status':>7} {'wall s':>8} {'CPU s':>8}   log"]
    for j in sorted(finished, key=lambda j: j["name"]):
        status = "ok" if j["proc"].returncode == 0 else f"exit {j['proc'].returncode}"
        cpu = f"{j['cpu']:8.1f}" if j["cpu"] is not None else f"{'?':>8}"
        lines.append(f"{j['name']:<26} {status:>7} {j['wall']:8.1f} {cpu}   {j['path']}")
    cpu_total = sum(j["cpu"] or 0 for j in finished)
    lines.append(f"{'total':<26} {'':>7} {total_s:8.1f} {cpu_total:8.1f}   ({jobs} at a time)")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("names", nargs="*", help="demos to run (default: all)")
    parser.add_argument("--out", type=Path, default=HERE / "out")
    parser.add_argument("--quick", action="store_true", help="the small versions (seconds each)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu", help="every demo's --device: cpu (default), cuda or cuda:0")
    parser.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="demos at a time (default: cores)")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--lecture", action="store_const", const="lecture", dest="group", help="the lecture demos only")
    group.add_argument("--reproductions", action="store_const", const="reproductions", dest="group")
    args = parser.parse_args(argv)
    scripts = demos(args.group)
    names = args.names or list(scripts)
    unknown = sorted(set(names) - set(demos()))
    if unknown:
        parser.error(f"unknown demo(s) {unknown}; available: {sorted(demos())}")
    scripts = demos()
    jobs = max(1, min(args.jobs, len(names)))
    print(f"running {len(names)} demo(s), {jobs} at a time; each one's output goes to {args.out}/<demo>/log.txt")
    t0 = time.perf_counter()
    finished = run(names, scripts, args.out, args.quick, args.seed, jobs, args.device)
    table = summary(finished, time.perf_counter() - t0, jobs)
    print("\n" + table)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "run_all.txt").write_text(table + "\n")
    failed = [j for j in finished if j["proc"].returncode != 0]
    for j in failed:
        tail = j["path"].read_text().splitlines()[-15:]
        print(f"\n--- {j['name']} failed; the end of {j['path']}:\n" + "\n".join(tail))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
