"""Run minigrad's benchmarks against PyTorch and NumPy.

    python -m bench                        # every case in bench/cases/*.py
    python bench/run.py --filter linear    # only cases whose name (or module) contains "linear"
    python -m bench --threads 4 --repeat 30 --json /tmp/results.json
    python -m bench --quick                # fewer repeats and shorter warm-up: a smoke run
    python -m bench --rounds 3             # alternate the frameworks' workers 3 times (a noisy machine)

How it measures. Each framework runs in its own subprocess (OpenMP / TBB / Numba thread pools
interfere when two frameworks are interleaved in one process) with OMP_NUM_THREADS,
MKL_NUM_THREADS, OPENBLAS_NUM_THREADS and NUMBA_NUM_THREADS set to ``--threads`` (plus
``torch.set_num_threads`` and ``mg.set_num_threads``). For every case the worker builds the data
(untimed), warms up (the first call JIT-compiles Numba kernels), picks a number of loops so one
measurement lasts at least a few milliseconds, and measures ``--repeat`` times with
``time.perf_counter``. The table shows the median time per call and the ratios
minigrad/torch and minigrad/numpy (below 1: minigrad is faster); the JSON file also holds the
quartiles, the first-call time and the machine's description.
"""

import argparse
import datetime
import importlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
import time
import traceback
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `import bench` work
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import FRAMEWORKS

ROOT = Path(__file__).resolve().parent.parent
CASES_DIR = Path(__file__).resolve().parent / "cases"
THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMBA_NUM_THREADS")
RESULT_TAG = "@@bench@@ "  # prefix of the worker's protocol lines on stdout


# ------------------------------------------------------------------------------------------------------
# Discovering cases
# ------------------------------------------------------------------------------------------------------
def case_modules():
    """Names of the case modules: bench/cases/*.py, sorted, without _private ones."""
    return sorted(p.stem for p in CASES_DIR.glob("*.py") if not p.stem.startswith("_"))


def discover(filter_text=None, on_error=None):
    """[(module, Case)] of every case whose name or module contains ``filter_text`` (case-insensitive)."""
    found = []
    needles = (filter_text or "").lower().split("|")  # "relu|gelu": either
    for module_name in case_modules():
        try:
            module = importlib.import_module(f"bench.cases.{module_name}")
            cases = list(module.cases())
        except Exception:  # noqa: BLE001  (a broken case module must not stop the others)
            if on_error is not None:
                on_error(module_name, traceback.format_exc())
            continue
        for case in cases:
            if any(n in case.name.lower() or n in module_name.lower() for n in needles):
                found.append((module_name, case))
    return found


# ------------------------------------------------------------------------------------------------------
# The worker: one framework, one process
# ------------------------------------------------------------------------------------------------------
def _emit(kind, **payload):
    sys.stdout.write(RESULT_TAG + json.dumps({"type": kind, **payload}) + "\n")
    sys.stdout.flush()


def _setup_framework(framework, threads):
    """Set the framework's thread count; return its versions and the thread count it reports."""
    import numpy

    info = {"numpy": numpy.__version__}
    if framework == "torch":
        import torch

        torch.set_num_threads(threads)
        info.update(torch=torch.__version__, threads_reported=torch.get_num_threads())
    elif framework == "minigrad":
        import minigrad as mg

        info["minigrad"] = getattr(mg, "__version__", "unknown")
        if hasattr(mg, "set_num_threads"):
            mg.set_num_threads(threads)
        try:
            # minigrad chooses Numba's threading layer when its kernels load; asking numba for its
            # thread count first would start the default (OpenMP) pool, 3x slower next to OpenBLAS
            import numba

            import minigrad.backends.cpu.jit as jit

            if not hasattr(mg, "set_num_threads"):
                numba.set_num_threads(threads)
            info.update(numba=numba.__version__, threads_reported=numba.get_num_threads())
            info["threading_layer"] = jit.threading_layer()
        except ImportError:
            pass
    else:
        try:
            from threadpoolctl import threadpool_info

            info["blas"] = sorted({p.get("internal_api", "?") for p in threadpool_info()})
        except ImportError:
            pass
    return info


def _measure(fn, repeat, quick):
    """Warm up, calibrate the loop count, then time ``repeat`` measurements. Times in seconds per call."""
    warmup_calls, warmup_time, min_measure = (1, 0.05, 0.005) if quick else (3, 0.3, 0.02)
    t0 = time.perf_counter()
    fn()
    first = time.perf_counter() - t0
    recent = []
    start = time.perf_counter()
    while len(recent) < warmup_calls or (time.perf_counter() - start < warmup_time and len(recent) < 1000):
        t0 = time.perf_counter()
        fn()
        recent.append(time.perf_counter() - t0)
    per_call = sorted(recent[-5:])[len(recent[-5:]) // 2]
    loops = max(1, math.ceil(min_measure / max(per_call, 1e-9)))
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        for _ in range(loops):
            fn()
        times.append((time.perf_counter() - t0) / loops)
    return first, loops, times


def _quantile(sorted_values, q):
    """Linear-interpolation quantile (NumPy's default) of an already sorted list."""
    pos = (len(sorted_values) - 1) * q
    lo = math.floor(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


def summarize(times):
    s = sorted(times)
    q1, med, q3 = _quantile(s, 0.25), _quantile(s, 0.5), _quantile(s, 0.75)
    return {
        "median_ms": med * 1e3,
        "q1_ms": q1 * 1e3,
        "q3_ms": q3 * 1e3,
        "iqr_ms": (q3 - q1) * 1e3,
        "min_ms": s[0] * 1e3,
    }


def worker(framework, threads, repeat, filter_text, quick):
    try:
        info = _setup_framework(framework, threads)
    except Exception as exc:  # noqa: BLE001  (report any failure to the parent)
        _emit("fatal", error=f"cannot set up {framework}: {type(exc).__name__}: {exc}")
        return 1
    _emit("info", framework=framework, **info)

    def module_error(name, tb):
        _emit("module_error", module=name, error=tb.strip().splitlines()[-1], traceback=tb)

    for module_name, case in discover(filter_text, on_error=module_error):
        factory = case.factory(framework)
        if factory is None:
            continue
        _emit("start", case=case.name, module=module_name)
        try:
            fn = factory()
            if not callable(fn):
                raise TypeError(f"the {framework} factory returned {type(fn).__name__}, not a zero-argument callable")
            first, loops, times = _measure(fn, repeat, quick)
            _emit(
                "result",
                case=case.name,
                module=module_name,
                first_call_ms=first * 1e3,
                loops=loops,
                repeats=len(times),
                times_ms=[t * 1e3 for t in times],
                **summarize(times),
            )
        except Exception as exc:  # noqa: BLE001  (a failing case must not stop the others)
            _emit(
                "result",
                case=case.name,
                module=module_name,
                error=f"{type(exc).__name__}: {exc}",
                traceback=traceback.format_exc(),
            )
        finally:
            fn = None  # free this case's data before building the next
    return 0


# ------------------------------------------------------------------------------------------------------
# The parent: run the workers, print the table, write the JSON
# ------------------------------------------------------------------------------------------------------
def _log(message):
    sys.stderr.write(message + "\n")
    sys.stderr.flush()


def run_framework(framework, args):
    """Run one worker subprocess; return (info, {(module, case name): result}), logging progress as it goes."""
    env = dict(os.environ)
    for var in THREAD_VARS:
        env[var] = str(args.threads)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT)] + ([env["PYTHONPATH"]] if env.get("PYTHONPATH") else []))
    cmd = [
        sys.executable,
        "-m",
        "bench.run",
        "--worker",
        framework,
        "--threads",
        str(args.threads),
        "--repeat",
        str(args.repeat),
    ]
    if args.filter:
        cmd += ["--filter", args.filter]
    if args.quick:
        cmd.append("--quick")
    info, results = {"framework": framework}, {}
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)
    for line in proc.stdout:
        if not line.startswith(RESULT_TAG):
            sys.stderr.write(line)  # a stray print from a case: pass it on
            continue
        msg = json.loads(line[len(RESULT_TAG) :])
        kind = msg.pop("type")
        if kind == "info":
            info.update(msg)
            if "threading_layer" in msg:
                _log(f"  [{framework}] Numba threading layer: {msg['threading_layer']}")
        elif kind == "fatal":
            info["error"] = msg["error"]
            _log(f"  [{framework}] {msg['error']}")
        elif kind == "module_error":
            _log(f"  [{framework}] case module {msg['module']} failed to import: {msg['error']}")
        elif kind == "start":
            sys.stderr.write(f"  [{framework:8s}] {msg['case']} ... ")
            sys.stderr.flush()
        elif kind == "result":
            results[(msg["module"], msg["case"])] = msg  # names may repeat across modules
            if "error" in msg:
                _log(f"ERROR {msg['error']}")
                if args.verbose:
                    _log(msg["traceback"])
            else:
                _log(
                    f"{msg['median_ms']:.3f} ms (IQR {msg['iqr_ms']:.3f}, first call {msg['first_call_ms']:.0f} ms, "
                    f"{msg['repeats']}x{msg['loops']} loops)"
                )
    code = proc.wait()
    if code != 0 and "error" not in info:
        info["error"] = f"worker exited with code {code}"
        _log(f"  [{framework}] worker exited with code {code}")
    info["wall_s"] = round(time.perf_counter() - started, 2)
    return info, results


def _fmt_ms(result):
    if result is None:
        return "-"
    if "error" in result:
        return "error"
    return f"{result['median_ms']:.3f}"


def _ratio(a, b):
    """a's time over b's; with several rounds, the median of the per-round ratios (each round ran the
    frameworks one after the other, so a load that drifts during the run hits both sides of a ratio)."""
    if not a or not b or "error" in a or "error" in b:
        return None
    if len(a.get("rounds_ms", ())) > 1 and len(a["rounds_ms"]) == len(b.get("rounds_ms", ())):
        return statistics.median(x / y for x, y in zip(a["rounds_ms"], b["rounds_ms"]))
    return a["median_ms"] / b["median_ms"]


def merge_rounds(rounds):
    """One result per case from the results of several rounds: the median of the rounds' medians,
    with each round's median kept in ``rounds_ms``."""
    merged = {}
    for key in rounds[0]:
        runs = [r.get(key) for r in rounds]
        if any(run is None or "error" in run for run in runs):
            merged[key] = next((run for run in runs if run is not None and "error" in run), runs[0])
            continue
        merged[key] = dict(runs[0], rounds_ms=[run["median_ms"] for run in runs])
        merged[key]["median_ms"] = statistics.median(merged[key]["rounds_ms"])
    return merged


def build_rows(selected, results):
    rows = []
    for module_name, case in selected:
        row = {"case": case.name, "module": module_name}
        for fw in FRAMEWORKS:
            row[fw] = results[fw].get((module_name, case.name)) if case.factory(fw) is not None else None
        row["minigrad_over_torch"] = _ratio(row["minigrad"], row["torch"])
        row["minigrad_over_numpy"] = _ratio(row["minigrad"], row["numpy"])
        rows.append(row)
    return rows


def format_table(rows):
    headers = ["case", "minigrad ms", "torch ms", "numpy ms", "minigrad/torch", "minigrad/numpy"]
    body = []
    for r in rows:
        body.append(
            [
                r["case"],
                _fmt_ms(r["minigrad"]),
                _fmt_ms(r["torch"]),
                _fmt_ms(r["numpy"]),
                "-" if r["minigrad_over_torch"] is None else f"{r['minigrad_over_torch']:.2f}x",
                "-" if r["minigrad_over_numpy"] is None else f"{r['minigrad_over_numpy']:.2f}x",
            ]
        )
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *body)]
    lines = []
    for i, line in enumerate([headers] + body):
        cells = [str(c).ljust(w) if j == 0 else str(c).rjust(w) for j, (c, w) in enumerate(zip(line, widths))]
        lines.append("  ".join(cells))
        if i == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def machine_info(threads):
    info = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "threads": threads,
    }
    if hasattr(os, "sched_getaffinity"):
        info["cpus_available"] = len(os.sched_getaffinity(0))
    if hasattr(os, "getloadavg"):
        info["loadavg_at_start"] = [round(x, 2) for x in os.getloadavg()]
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return info


def parse_args(argv=None):
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    p.add_argument(
        "--filter",
        default=None,
        help="only cases whose name or module contains SUBSTR (case-insensitive; 'a|b': either)",
    )
    p.add_argument("--threads", type=int, default=2, help="threads for every framework (default 2)")
    p.add_argument("--repeat", type=int, default=None, help="timed measurements per case (default 20, --quick 5)")
    p.add_argument("--json", default=str(ROOT / "bench" / "results.json"), help="where to write the results")
    p.add_argument("--quick", action="store_true", help="fewer repeats, shorter warm-up: a smoke run")
    p.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="run every framework's worker this many times, alternating; report the median of the rounds "
        "and of the per-round ratios (on a shared machine whose load drifts)",
    )
    p.add_argument(
        "--frameworks",
        default=",".join(FRAMEWORKS),
        help=f"comma-separated subset of {','.join(FRAMEWORKS)} (default: all)",
    )
    p.add_argument("--list", action="store_true", help="list the cases and exit")
    p.add_argument("-v", "--verbose", action="store_true", help="print tracebacks of failing cases")
    p.add_argument("--worker", choices=FRAMEWORKS, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.repeat is None:
        args.repeat = 5 if args.quick else 20
    if args.repeat < 1 or args.threads < 1 or args.rounds < 1:
        p.error("--repeat, --threads and --rounds must be at least 1")
    return args


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker(args.worker, args.threads, args.repeat, args.filter, args.quick)

    frameworks = [f.strip() for f in args.frameworks.split(",") if f.strip()]
    unknown = [f for f in frameworks if f not in FRAMEWORKS]
    if unknown:
        _log(f"unknown framework(s) {unknown}; choose from {FRAMEWORKS}")
        return 2
    selected = discover(args.filter, on_error=lambda name, tb: _log(f"case module {name} failed to import:\n{tb}"))
    if args.list:
        for module_name, case in selected:
            have = [fw for fw in FRAMEWORKS if case.factory(fw) is not None]
            print(f"{module_name}: {case.name}  ({', '.join(have)})")
        return 0
    if not selected:
        _log(f"no benchmark case matches {args.filter!r} (modules: {', '.join(case_modules()) or 'none'})")
        return 1

    machine = machine_info(args.threads)
    _log(
        f"bench: {len(selected)} case(s), {args.threads} thread(s), {args.repeat} repeats"
        f"{' (quick)' if args.quick else ''}; load average {machine.get('loadavg_at_start', '?')}"
    )
    load = machine.get("loadavg_at_start")
    if load and load[0] > machine.get("cpus_available", machine["cpu_count"] or 1) - 0.5:
        _log(
            f"warning: the load average ({load[0]}) says other processes are busy on these "
            f"{machine.get('cpus_available', machine['cpu_count'])} CPUs: multi-threaded timings will be noisy "
            f"(threads wait for each other); compare with --threads 1 or use a quiet machine"
        )
    results, infos = {fw: {} for fw in FRAMEWORKS}, {}
    rounds = {fw: [] for fw in FRAMEWORKS}
    for r in range(args.rounds):
        for fw in frameworks:
            if not any(case.factory(fw) is not None for _, case in selected):
                continue
            label = f" (round {r + 1} of {args.rounds})" if args.rounds > 1 else ""
            _log(f"[{fw}] starting a worker process{label}")
            infos[fw], found = run_framework(fw, args)
            rounds[fw].append(found)
    for fw, found in rounds.items():
        if found:
            results[fw] = merge_rounds(found) if len(found) > 1 else found[0]

    rows = build_rows(selected, results)
    if hasattr(os, "getloadavg"):
        machine["loadavg_at_end"] = [round(x, 2) for x in os.getloadavg()]
    print()
    print(format_table(rows))
    print(
        f"(median time per call over {args.repeat} repeats"
        f"{f', median of {args.rounds} alternating rounds' if args.rounds > 1 else ''}"
        f", {args.threads} thread(s); ratios above 1x: minigrad "
        f"is slower; load average {machine.get('loadavg_at_start', '?')} at start, "
        f"{machine.get('loadavg_at_end', '?')} at end)"
    )

    out = {
        "machine": machine,
        "settings": {
            "threads": args.threads,
            "repeat": args.repeat,
            "rounds": args.rounds,
            "quick": args.quick,
            "filter": args.filter,
        },
        "frameworks": infos,
        "results": rows,
    }
    if args.json:
        path = Path(args.json)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(out, indent=2) + "\n")
        _log(f"results written to {path}")
    failed = any(r[fw] is not None and "error" in r[fw] for r in rows for fw in frameworks)
    return 1 if failed or any("error" in i for i in infos.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
