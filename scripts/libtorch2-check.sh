#!/usr/bin/env bash
# libtorch2-check.sh — build the trainer against a newer Debian's LibTorch 2.x and run its CPU tests there, on a
# machine without a GPU. Debian 12 ships only LibTorch 1.13, the GPU machine has pip LibTorch 2.x and is lent to
# few sessions: this finds 2.x compile and runtime breaks before a GPU session has to.
#   scripts/libtorch2-check.sh [--suite trixie|forky] [--no-tests] [--no-cuda-syntax] [--shell]
#     --suite    which Debian's LibTorch: trixie (13, LibTorch 2.6, GCC 14; default) or forky (testing: 2.14,
#                GCC 16; LibTorch 2.12+ requires C++20, so it configures with -DCMAKE_CXX_STANDARD=20)
#     --no-tests build only
#     --no-cuda-syntax   skip the CUDA-path syntax check (below)
#     --shell    open a shell in the chroot, with the source mounted, instead
# Needs root and deb.debian.org. The chroot is made once (debootstrap + apt, ~3 min) under $ROOT (default
# /var/cache/rfdetr-studio/<suite>) and kept; the build folder is $ROOT/sys$BUILD (incremental; the first build takes
# ~30 min on 2 cores). The source tree is bind-mounted at its own path, so paths in errors are the ones here (the
# build writes nothing there). Environment: ROOT, BUILD (the build folder inside the chroot, /build), JOBS.
# Steps, each logged to $ROOT/out (summary.txt is the verdict):
#   1. configure (-DSTUDIO_BUILD_GUI=OFF -DSTUDIO_GPU_TESTS=ON; qt6-base-dev is installed for Qt Test only) and
#      build with -k 0, so one call lists every failing file;
#   2. ctest -LE gpu, then the gpu tests on the CPU (STUDIO_GPU_TEST_ON_CPU=1);
#   3. the code behind STUDIO_TORCH_CUDA / USE_C10D_NCCL / STUDIO_CUDA_KERNELS (never compiled by a CPU build)
#      syntax-checked with the suite's ATen/c10 CUDA and c10d NCCL headers and this machine's CUDA toolkit
#      (/usr/local/cuda, mounted read-only). That checks the LibTorch 2.x API of the GPU paths, not the pip
#      wheel's exact version; the GPU machine's device-check.sh stays the real test.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SUITE=trixie TESTS=1 CUDA_SYNTAX=1 SHELL_ONLY=0
while [ $# -gt 0 ]; do
  case "$1" in
    --suite) SUITE=${2:?--suite needs trixie or forky}; shift 2 ;;
    --no-tests) TESTS=0; shift ;;
    --no-cuda-syntax) CUDA_SYNTAX=0; shift ;;
    --shell) SHELL_ONLY=1; shift ;;
    *) echo "libtorch2-check: unknown argument $1 (see the header of $0)" >&2; exit 2 ;;
  esac
done
case "$SUITE" in
  trixie) STD=17 ;;
  forky) STD=20 ;;
  *) echo "libtorch2-check: --suite $SUITE: use trixie (LibTorch 2.6) or forky (2.14)" >&2; exit 2 ;;
esac
[ "$(id -u)" -eq 0 ] || { echo "libtorch2-check: needs root (debootstrap, chroot, mount); run it with sudo" >&2; exit 2; }
ROOT=${ROOT:-/var/cache/rfdetr-studio/$SUITE}
BUILD=${BUILD:-/build}
OUT=$ROOT/out
JOBS=${JOBS:-$(nproc)}
T0=$(date +%s)
mkdir -p "$ROOT"
log() { echo "[libtorch2-check $(( $(date +%s) - T0 ))s] $*" | tee -a "$OUT/summary.txt" >&2; }

PACKAGES=(build-essential cmake ninja-build pkg-config git file
  libtorch-dev libgloo-dev libopenblas0-pthread libspdlog-dev nlohmann-json3-dev
  libturbojpeg0-dev libjpeg-dev libpng-dev libstb-dev zlib1g-dev libzstd-dev libsnappy-dev libsimdjson-dev
  libcurl4-openssl-dev libssl-dev qt6-base-dev
  python3 python3-numpy python3-torch python3-scipy python3-pil)

if [ ! -x "$ROOT/sys/bin/bash" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2 \
    || { echo "libtorch2-check: cannot install debootstrap (apt-get install debootstrap)" >&2; exit 1; }
  rm -rf "$ROOT/sys.partial"
  echo "[libtorch2-check] debootstrap $SUITE into $ROOT/sys" >&2
  # An older debootstrap has no script for a newer suite: the sid script bootstraps any of them.
  script=/usr/share/debootstrap/scripts/$SUITE
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  debootstrap --variant=minbase --include=ca-certificates "$SUITE" "$ROOT/sys.partial" http://deb.debian.org/debian \
    "$script" \
    > "$ROOT/debootstrap.log" 2>&1 || { echo "libtorch2-check: debootstrap failed, see $ROOT/debootstrap.log" >&2; exit 1; }
  mv "$ROOT/sys.partial" "$ROOT/sys"
fi
SYS=$ROOT/sys

# Mounts for the chroot, undone on exit.
MOUNTED=()
cleanup() {
  local i
  for (( i=${#MOUNTED[@]}-1; i>=0; i-- )); do umount -l "${MOUNTED[$i]}" 2>/dev/null; done
}
trap cleanup EXIT
mnt() {  # mnt <source|fstype> <target> [options...]
  local src=$1 dst=$2; shift 2
  mkdir -p "$dst"
  mountpoint -q "$dst" && umount -l "$dst"
  mount "$@" "$src" "$dst" && MOUNTED+=("$dst")
}
mnt proc "$SYS/proc" -t proc
mnt /dev "$SYS/dev" --rbind
mnt /sys "$SYS/sys" --bind
mnt "$here" "$SYS$here" --bind
[ -d /usr/local/cuda/include ] && mnt /usr/local/cuda "$SYS/opt/cuda" --bind -o ro
cp /etc/resolv.conf "$SYS/etc/resolv.conf" 2>/dev/null
in_root() { chroot "$SYS" /usr/bin/env -i HOME=/root PATH=/usr/local/bin:/usr/bin:/bin LANG=C.UTF-8 "$@"; }

installed=$(in_root dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -c "ok installed")
if [ "$installed" -ne ${#PACKAGES[@]} ]; then
  # Valid-Until is not checked: a mirror's copy of testing can carry an expired Release file (seen here).
  echo "[libtorch2-check] installing packages into the $SUITE chroot" >&2
  in_root bash -c "export DEBIAN_FRONTEND=noninteractive; apt-get -o Acquire::Check-Valid-Until=false update -q && apt-get install -y -q --no-install-recommends ${PACKAGES[*]}" \
    > "$ROOT/apt.log" 2>&1 || { echo "libtorch2-check: apt-get failed in the chroot, see $ROOT/apt.log" >&2; exit 1; }
fi
if [ $SHELL_ONLY -eq 1 ]; then
  chroot "$SYS" bash -c "cd '$here' && exec bash -i"
  exit $?
fi

rm -rf "$OUT"; mkdir -p "$OUT"
log "suite $SUITE: LibTorch $(in_root dpkg-query -W -f='${Version}' libtorch-dev), $(in_root g++ --version | head -1), C++$STD"
log "configure"
in_root cmake -S "$here" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSTUDIO_BUILD_GUI=OFF -DSTUDIO_GPU_TESTS=ON \
  -DCMAKE_CXX_STANDARD=$STD -DCMAKE_EXPORT_COMPILE_COMMANDS=ON > "$OUT/configure.log" 2>&1
rc=$?
grep -E "^-- studio:" "$OUT/configure.log" | tee -a "$OUT/summary.txt" >&2
[ $rc -ne 0 ] && { log "configure FAILED (rc=$rc), see $OUT/configure.log"; tail -30 "$OUT/configure.log" >&2; exit 1; }
log "build ($JOBS jobs, -k 0)"
in_root cmake --build "$BUILD" -j "$JOBS" -- -k 0 > "$OUT/build.log" 2>&1
build_rc=$?
if [ $build_rc -ne 0 ]; then
  log "build FAILED: $(grep -c '^FAILED: ' "$OUT/build.log") targets; first errors (all in $OUT/build.log):"
  grep -E "^FAILED: |error:|undefined reference" "$OUT/build.log" | head -60 | tee -a "$OUT/summary.txt" >&2
else
  log "build ok: $(in_root "$BUILD/app/train/rfdetr-train" --version 2>&1 | head -1)"
fi

status=$build_rc
if [ $TESTS -eq 1 ] && [ $build_rc -eq 0 ]; then
  log "ctest -LE gpu"
  in_root bash -c "cd '$BUILD' && ctest -LE gpu -j $JOBS --output-on-failure" > "$OUT/ctest.log" 2>&1 || status=1
  grep -E "tests passed|tests failed|\*\*\*|Failed|Timeout" "$OUT/ctest.log" | tail -20 | tee -a "$OUT/summary.txt" >&2
  log "gpu tests on the CPU (STUDIO_GPU_TEST_ON_CPU=1)"
  in_root bash -c "cd '$BUILD' && STUDIO_GPU_TEST_ON_CPU=1 ctest -L gpu --output-on-failure" > "$OUT/ctest_gpu_on_cpu.log" 2>&1 \
    || status=1
  grep -E "tests passed|tests failed|\*\*\*|Failed|Timeout" "$OUT/ctest_gpu_on_cpu.log" | tail -12 | tee -a "$OUT/summary.txt" >&2
fi

if [ $CUDA_SYNTAX -eq 1 ]; then
  if [ ! -f "$SYS/opt/cuda/include/cuda_runtime.h" ]; then
    log "CUDA syntax check skipped: no CUDA toolkit at /usr/local/cuda"
  else
    log "CUDA-path syntax check (LibTorch $SUITE headers + CUDA $(/usr/local/cuda/bin/nvcc --version 2>/dev/null | sed -n 's/.*release \([0-9.]*\).*/\1/p'))"
    in_root python3 "$here/scripts/cuda_syntax_check.py" "$BUILD/compile_commands.json" "$here" /opt/cuda \
      > "$OUT/cuda_syntax.log" 2>&1 || status=1
    tail -25 "$OUT/cuda_syntax.log" | tee -a "$OUT/summary.txt" >&2
  fi
fi
log "done: $([ $status -eq 0 ] && echo PASSED || echo FAILED); logs in $OUT"
exit $status
