#!/usr/bin/env bash
# The GPU check: one command on a machine with an NVIDIA GPU (about 5 minutes on an H100/H200).
#
#   bash bench/gpu_check.sh                 # tests on "cuda", then the GPU benchmark; its table last
#   bash bench/gpu_check.sh --install       # first: pip install -e ".[cuda,test]" (needs the network)
#   bash bench/gpu_check.sh --out DIR       # logs and the benchmark's JSON go there (default below)
#   bash bench/gpu_check.sh --dry-run       # say what would run, check the scripts load; no GPU needed
#   bash bench/gpu_check.sh --simulator     # all of it on numba's CUDA simulator, the benchmark on tiny
#                                           # sizes: checks this script on a machine without a GPU (~4 min)
#
# 1. The environment: Python, numba(-cuda), CuPy, PyTorch and whether it has CUDA, the GPU, and
#    whether minigrad can use device "cuda" (if not: why, and stop). minigrad is imported from this
#    checkout (PYTHONPATH), so no install is needed where numba-cuda, CuPy and torch are there.
# 2. The tests on "cuda": `pytest -m cuda` over tests/cuda (every CUDA kernel against the NumPy
#    reference backend, the device API, training steps against the CPU) and the op tests' "cuda"
#    cases (against PyTorch CUDA, whose inputs are torch.as_tensor of minigrad's CuPy arrays through
#    the CUDA array interface; TF32 off). If torch has no CUDA, the op tests compare with PyTorch on
#    the CPU instead, and the benchmark says n/a where a target is a ratio to PyTorch.
# 3. The benchmark (python -m bench.gpu): copy bandwidth, every activation and norm forward+backward,
#    the deep-MLP step and a small CNN step against PyTorch, with the issue's targets marked PASS or
#    FAIL, printed last.
# Exit status: 0 when the tests pass (the benchmark's FAIL marks are findings, not errors), else 1.

set -u -o pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PY="${PYTHON:-python3}"
OUTDIR="/tmp/minigrad-gpu-check"
DRY=0
INSTALL=0
SIM=0
TEST_TIMEOUT=270   # seconds; the benchmark still runs if the tests hang; both: under 8 minutes
BENCH_TIMEOUT=180

while [ $# -gt 0 ]; do
    case "$1" in
        --dry-run) DRY=1 ;;
        --install) INSTALL=1 ;;
        --simulator) SIM=1 ;;
        --out) OUTDIR="$2"; shift ;;
        -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
        *) echo "gpu_check.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

export PYTHONPATH="$ROOT${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONUNBUFFERED=1
BENCH_ARGS=()
if [ "$SIM" = 1 ]; then
    export NUMBA_ENABLE_CUDASIM=1
    BENCH_ARGS=(--quick)
    TEST_TIMEOUT=600
else
    unset NUMBA_ENABLE_CUDASIM   # the real GPU, not the simulator
fi
mkdir -p "$OUTDIR"

# The op test files with "cuda" cases: the simulator run's list (tests/test_cuda_simulator.py).
OP_TESTS="$("$PY" -c 'from tests.test_cuda_simulator import OP_TESTS; print(" ".join(OP_TESTS))')" || {
    echo "gpu_check.sh: cannot read the test list from tests/test_cuda_simulator.py" >&2; exit 1; }
TEST_CMD=("$PY" -m pytest -q -p no:cacheprovider --no-header -rfE --maxfail=25 -m cuda tests/cuda $OP_TESTS)
BENCH_CMD=("$PY" -m bench.gpu ${BENCH_ARGS[@]+"${BENCH_ARGS[@]}"} --json "$OUTDIR/gpu_bench.json")

if [ "$DRY" = 1 ]; then
    echo "== gpu_check.sh --dry-run (nothing runs on a GPU)"
    [ "$INSTALL" = 1 ] && echo "would run: $PY -m pip install -e .[cuda,test]"
    echo "would run (timeout ${TEST_TIMEOUT}s): ${TEST_CMD[*]}"
    echo "would run (timeout ${BENCH_TIMEOUT}s): ${BENCH_CMD[*]}"
    echo "the benchmark would measure:"
    "$PY" -m bench.gpu --dry-run || exit 1
    exit 0
fi

if [ "$INSTALL" = 1 ]; then
    echo "== pip install -e .[cuda,test]"
    "$PY" -m pip install -q -e ".[cuda,test]" || { echo "gpu_check.sh: the install failed" >&2; exit 1; }
fi

echo "== environment"
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "(no nvidia-smi)"
"$PY" - <<'EOF' || exit 1
import importlib, sys
print("python", sys.version.split()[0])
for name in ("numpy", "numba", "numba_cuda", "cupy", "torch"):
    try:
        print(f"{name:<11}", importlib.import_module(name).__version__)
    except Exception as e:  # noqa: BLE001
        print(f"{name:<11}", f"missing ({type(e).__name__}: {e})"[:120])
import torch
import minigrad as mg
print("torch CUDA:", torch.cuda.is_available(), f"(build {torch.version.cuda})")
if not torch.cuda.is_available():
    print("WARNING: this torch has no CUDA: the op tests compare with PyTorch on the CPU, and the benchmark's\n"
          "         ratios to PyTorch are CPU ratios, marked n/a (install a CUDA build of torch to measure them)")
if not mg.cuda.is_available():
    print(f"minigrad cannot use device 'cuda': {mg.cuda.unavailable_reason()}")
    sys.exit(1)
from minigrad.backends.cuda import compiler
print(f"minigrad device 'cuda': {mg.cuda.get_device_name()}, compiler {compiler.COMPILER}")
EOF

echo
echo "== tests on device 'cuda' (log: $OUTDIR/tests.log)"
start=$(date +%s)
timeout "$TEST_TIMEOUT" "${TEST_CMD[@]}" 2>&1 | tee "$OUTDIR/tests.log" | grep -E "^(FAILED|ERROR)|[0-9]+ (passed|failed)"
test_status=${PIPESTATUS[0]}
test_time=$(( $(date +%s) - start ))
summary="$(grep -E '[0-9]+ (passed|failed)' "$OUTDIR/tests.log" | tail -1)"
case "$test_status" in
    0) verdict="PASS" ;;
    124) verdict="TIMEOUT after ${TEST_TIMEOUT}s" ;;
    *) verdict="FAIL (exit $test_status)" ;;
esac

echo
echo "== benchmark (log: $OUTDIR/bench.log)"
timeout "$BENCH_TIMEOUT" "${BENCH_CMD[@]}" > "$OUTDIR/bench.log" 2>&1
bench_status=$?

echo
echo "== summary"
echo "tests on 'cuda': $verdict in ${test_time}s: ${summary:-no summary (see $OUTDIR/tests.log)}"
if [ "$bench_status" = 0 ]; then
    sed -n '/^card:/,$p' "$OUTDIR/bench.log"
else
    echo "benchmark: exit $bench_status; its last lines:"
    tail -25 "$OUTDIR/bench.log"
fi
[ "$test_status" = 0 ]
