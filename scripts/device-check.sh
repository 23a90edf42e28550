#!/usr/bin/env bash
# device-check.sh — on a GPU machine (pip LibTorch 2.x + CUDA, no Qt): build the trainer, run the GPU tests and
# the benchmarks, in one call. Writes logs and a summary table to ${OUT:-./device-out}.
#   scripts/device-check.sh [--quick]      --quick: build + GPU tests only, no benchmarks
# The benchmarks end with bench_step (small/medium/large, batch 16): its table is train_step_table.md.
# Exit status: 0 when the build and every GPU test passed (the benchmarks report their own rc in their logs).
# Environment: PY (python with torch; default /opt/torch/.venv/bin/python3, then python3), JOBS, BUDGET_S,
# BENCH_TIMEOUT (s per benchmark, 180), TRAIN_STEP_TIMEOUT (s for bench_step, 420).
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
OUT=${OUT:-$here/device-out}
mkdir -p "$OUT"
JOBS=${JOBS:-$(nproc)}
QUICK=0
[ "${1:-}" = "--quick" ] && QUICK=1
T0=$(date +%s)
log() { echo "[device-check $(( $(date +%s) - T0 ))s] $*" | tee -a "$OUT/summary.txt" >&2; }

PY=${PY:-}
for c in /opt/torch/.venv/bin/python3 python3; do
  [ -z "$PY" ] && "$c" -c 'import torch' >/dev/null 2>&1 && PY=$c
done
[ -z "$PY" ] && { log "no python with torch found"; exit 1; }

# Where the pip wheel keeps LibTorch, NCCL and the CUDA runtime libraries.
eval "$("$PY" - <<'PYEOF'
import glob, os, shlex, site, torch, torch.utils
sp = [p for p in site.getsitepackages() if os.path.isdir(p)]
nv = [os.path.join(p, "nvidia") for p in sp if os.path.isdir(os.path.join(p, "nvidia"))]
libdirs = sorted({os.path.dirname(f) for b in nv for f in glob.glob(os.path.join(b, "**", "lib*.so*"), recursive=True)})
nccl = [os.path.dirname(f) for b in nv for f in glob.glob(os.path.join(b, "**", "include", "nccl.h"), recursive=True)]
inc = sorted({d for b in nv for d in glob.glob(os.path.join(b, "**", "include"), recursive=True)})
print("TORCH_PREFIX=" + shlex.quote(torch.utils.cmake_prefix_path))
print("TORCH_LIB=" + shlex.quote(os.path.join(os.path.dirname(torch.__file__), "lib")))
print("TORCH_VERSION=" + shlex.quote(torch.__version__))
print("NV_LIBDIRS=" + shlex.quote(":".join(libdirs)))
print("NCCL_INC=" + shlex.quote(nccl[0] if nccl else ""))
print("NV_INCDIRS=" + shlex.quote(":".join(inc)))
PYEOF
)"
NVCC=$(command -v nvcc || true)
[ -z "$NVCC" ] && [ -x /usr/local/cuda/bin/nvcc ] && NVCC=/usr/local/cuda/bin/nvcc
CUDA_HOME=${CUDA_HOME:-$(dirname "$(dirname "$(readlink -f "${NVCC:-/usr/local/cuda/bin/nvcc}")")")}
export CUDA_HOME CUDACXX="$NVCC" NVCC_APPEND_FLAGS="${NVCC_APPEND_FLAGS:-} -allow-unsupported-compiler"
export LD_LIBRARY_PATH="$TORCH_LIB:$NV_LIBDIRS:${LD_LIBRARY_PATH:-}"
log "torch $TORCH_VERSION at $TORCH_PREFIX; nvcc=$NVCC; nccl=$NCCL_INC; $(nvidia-smi --query-gpu=name,memory.total,driver_version --format=csv,noheader 2>/dev/null | head -1)"

# stb is not installed there: scripts/device-prepare.sh unpacks it into .device/stb here, and the device call
# carries it (run with carry [".device"]). Checked now: a failed configure wastes the GPU session.
EXTRA=()
# An empty -DNCCL_INCLUDE_DIR would stop CMake's own search for nccl.h (a system NCCL): pass it only when found.
[ -n "$NCCL_INC" ] && EXTRA+=(-DNCCL_INCLUDE_DIR="$NCCL_INC")
if [ -f "$here/.device/stb/usr/include/stb/stb_image_resize.h" ]; then
  EXTRA+=(-DSTB_INCLUDE_DIR="$here/.device/stb/usr/include/stb")
elif [ ! -f /usr/include/stb/stb_image_resize.h ]; then
  log "stb headers missing: run scripts/device-prepare.sh on the build machine and pass carry [\".device\"] to the device call"
  exit 1
fi
# Torch's CMake otherwise probes the GPU for its arch list; H100 and H200 are both sm_90 (CMAKE_CUDA_ARCHITECTURES).
export TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0}

BUILD=${BUILD:-$here/build-gpu}
log "configure ($BUILD)"
cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTUDIO_BUILD_GUI=OFF -DSTUDIO_GPU_TESTS=ON \
  -DCMAKE_PREFIX_PATH="$TORCH_PREFIX" -DCMAKE_CUDA_COMPILER="$NVCC" -DCMAKE_CUDA_ARCHITECTURES=90 \
  -DCUDAToolkit_ROOT="$CUDA_HOME" -DSTUDIO_EXTRA_LIB_DIRS="$TORCH_LIB:$NV_LIBDIRS" \
  -DCMAKE_POLICY_VERSION_MINIMUM=3.5 -Wno-dev "${EXTRA[@]}" > "$OUT/configure.log" 2>&1
rc=$?
grep -E "^-- studio:" "$OUT/configure.log" | tee -a "$OUT/summary.txt" >&2
[ $rc -ne 0 ] && { log "configure FAILED (rc=$rc), see configure.log"; tail -40 "$OUT/configure.log"; exit 1; }
log "build"
# -k 0: keep going past a failed file, so one device call shows every compile error (the first 2.x build).
cmake --build "$BUILD" -j "$JOBS" -- -k 0 > "$OUT/build.log" 2>&1
rc=$?
if [ $rc -ne 0 ]; then
  log "build FAILED (rc=$rc): $(grep -c '^FAILED: ' "$OUT/build.log") targets; first errors (all in build.log):"
  grep -E "^FAILED: |error:|undefined reference" "$OUT/build.log" | head -60 | tee -a "$OUT/summary.txt"
  exit 1
fi
"$BUILD/app/train/rfdetr-train" --version | tee -a "$OUT/summary.txt"

log "GPU tests"
ctest --test-dir "$BUILD" -L gpu --output-on-failure --timeout 600 > "$OUT/gpu-tests.log" 2>&1
rc=$?
grep -E "Test +#|tests passed|FAILED" "$OUT/gpu-tests.log" | tee -a "$OUT/summary.txt"
[ $rc -ne 0 ] && tail -60 "$OUT/gpu-tests.log"
status=$(( rc == 0 ? 0 : 1 ))  # the exit status: the GPU tests' (the benchmarks below run either way and report their own rc)

if [ $QUICK -eq 0 ]; then
  # The benchmarks that use the GPU, each with its own arguments (the others are CPU-only: coco, hub, pipeline, dist).
  for spec in "bench_ms_deform_attn --device cuda" "bench_model_forward --device cuda" "bench_matcher --device cuda" \
              "bench_optimizer 10 cuda"; do
    read -r name args <<< "$spec"
    [ -x "$BUILD/bench/$name" ] || { log "benchmark $name: not built"; continue; }
    log "benchmark $name $args"
    # shellcheck disable=SC2086  # args is a word list
    timeout "${BENCH_TIMEOUT:-180}" "$BUILD/bench/$name" $args > "$OUT/$name.txt" 2>&1
    echo "rc=$?" >> "$OUT/$name.txt"
    tail -25 "$OUT/$name.txt" | tee -a "$OUT/summary.txt"
  done
  # Issue 8: the training step for small/medium/large at batch 16 (bf16), fast path vs the reference path,
  # as the README's performance table (markdown in train_step_table.md).
  if [ -x "$BUILD/bench/bench_step" ]; then
    log "benchmark bench_step (small, medium, large at batch 16)"
    timeout "${TRAIN_STEP_TIMEOUT:-420}" "$BUILD/bench/bench_step" --device cuda --batch 16 \
      --sizes small,medium,large > "$OUT/bench_step.txt" 2>&1
    echo "rc=$?" >> "$OUT/bench_step.txt"
    grep -v '^|' "$OUT/bench_step.txt" | tail -20 | tee -a "$OUT/summary.txt"
    { echo "$(nvidia-smi --query-gpu=name --format=csv,noheader 2>/dev/null | head -1), $(date -u +%F), torch $TORCH_VERSION"
      grep '^|' "$OUT/bench_step.txt"; } > "$OUT/train_step_table.md"
    cat "$OUT/train_step_table.md" | tee -a "$OUT/summary.txt"
  fi
fi
log "done: GPU tests $([ "$status" -eq 0 ] && echo passed || echo FAILED)"
exit "$status"
