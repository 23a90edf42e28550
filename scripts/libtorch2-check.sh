#!/usr/bin/env bash
# libtorch2-check.sh — build the trainer against a newer Debian's LibTorch 2.x and run its CPU tests there, on a
# machine without a GPU. Debian 12 ships only LibTorch 1.13, the GPU machine has pip LibTorch 2.x and is lent to
# few sessions: this finds 2.x compile and runtime breaks before a GPU session has to.
#   scripts/libtorch2-check.sh [--suite trixie|forky|trixie-cuda] [--no-tests] [--no-cuda-syntax] [--shell]
#     --suite    which Debian's LibTorch: trixie (13, LibTorch 2.6, GCC 14; default) or forky (testing: 2.14,
#                GCC 16; LibTorch 2.12+ requires C++20, so it configures with -DCMAKE_CXX_STANDARD=20), or
#                trixie-cuda: trixie's CUDA build of LibTorch 2.6 (contrib: libtorch-cuda-dev, with CUDA 12.4,
#                NCCL 2.22 and nvcc from non-free). That builds every CUDA path for real (ProcessGroupNCCL, the
#                nvcc kernels, the CUDA link lines) and runs the whole suite with a CUDA LibTorch on a machine
#                without a GPU, as a user's CUDA build on a laptop would. cuDNN comes from NVIDIA's servers
#                through Debian's nvidia-cudnn downloader; where they are out of reach (here) a stand-in package
#                and a stub libcudnn.so.9 (every call fails) take its place: LibTorch only calls it on a GPU.
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
DIST=$SUITE CUDA_BUILD=0
case "$SUITE" in
  trixie) STD=17 ;;
  forky) STD=20 ;;
  trixie-cuda) STD=17 DIST=trixie CUDA_BUILD=1 CUDA_SYNTAX=0 ;;  # the build compiles the CUDA paths itself
  *) echo "libtorch2-check: --suite $SUITE: use trixie (LibTorch 2.6), forky (2.14) or trixie-cuda (2.6 with CUDA)" >&2
     exit 2 ;;
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
if [ $CUDA_BUILD -eq 1 ]; then
  PACKAGES=("${PACKAGES[@]/#libtorch-dev/libtorch-cuda-dev}")
  PACKAGES=("${PACKAGES[@]/#libgloo-dev/libgloo-cuda-dev}")
  PACKAGES=("${PACKAGES[@]/#python3-torch/python3-torch-cuda}")
  PACKAGES+=(nvidia-cuda-toolkit libnccl-dev libcuda1)
fi

if [ ! -x "$ROOT/sys/bin/bash" ]; then
  command -v debootstrap >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap >&2 \
    || { echo "libtorch2-check: cannot install debootstrap (apt-get install debootstrap)" >&2; exit 1; }
  rm -rf "$ROOT/sys.partial"
  echo "[libtorch2-check] debootstrap $SUITE into $ROOT/sys" >&2
  # An older debootstrap has no script for a newer suite: the sid script bootstraps any of them.
  script=/usr/share/debootstrap/scripts/$DIST
  [ -e "$script" ] || script=/usr/share/debootstrap/scripts/sid
  debootstrap --variant=minbase --include=ca-certificates --components=main,contrib,non-free \
    "$DIST" "$ROOT/sys.partial" http://deb.debian.org/debian \
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
in_root() { chroot "$SYS" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
  LANG=C.UTF-8 "$@"; }

if [ $CUDA_BUILD -eq 1 ]; then
  # contrib and non-free (a chroot made before this suite existed may list main only).
  echo "deb http://deb.debian.org/debian $DIST main contrib non-free" > "$SYS/etc/apt/sources.list"
  # Debian's nvidia-cudnn downloads cuDNN from NVIDIA at install time. Without that server, a stand-in package
  # satisfies the dependency (held, so apt keeps it); a real cuDNN, where one installed, is left alone.
  if ! in_root dpkg-query -W -f='${Status}' nvidia-cudnn 2>/dev/null | grep -q "ok installed"; then
    if ! curl -sfI -m 10 https://developer.download.nvidia.com/ >/dev/null 2>&1; then
      mkdir -p "$SYS/tmp/cudnn-stub/DEBIAN"
      printf '%s\n' "Package: nvidia-cudnn" "Version: 9.99.0~stub" "Architecture: amd64" \
        "Maintainer: rfdetr-studio libtorch2-check <noreply@localhost>" "Provides: libcudnn-dev, libcudnn.so, libcudnn.so.9" \
        "Description: stand-in for the cuDNN downloader (libtorch2-check.sh; NVIDIA's server out of reach)" \
        > "$SYS/tmp/cudnn-stub/DEBIAN/control"
      in_root bash -c "dpkg-deb --build /tmp/cudnn-stub /tmp/nvidia-cudnn-stub.deb && dpkg -i /tmp/nvidia-cudnn-stub.deb \
        && apt-mark hold nvidia-cudnn" > "$ROOT/cudnn-stub.log" 2>&1 \
        || { echo "libtorch2-check: cannot install the cuDNN stand-in, see $ROOT/cudnn-stub.log" >&2; exit 1; }
    fi
  fi
fi

installed=$(in_root dpkg-query -W -f='${Package} ${Status}\n' "${PACKAGES[@]}" 2>/dev/null | grep -c "ok installed")
if [ "$installed" -ne ${#PACKAGES[@]} ]; then
  # Valid-Until is not checked: a mirror's copy of testing can carry an expired Release file (seen here).
  echo "[libtorch2-check] installing packages into the $SUITE chroot" >&2
  in_root bash -c "export DEBIAN_FRONTEND=noninteractive; apt-get -o Acquire::Check-Valid-Until=false update -q && apt-get install -y -q --no-install-recommends ${PACKAGES[*]}" \
    > "$ROOT/apt.log" 2>&1 || { echo "libtorch2-check: apt-get failed in the chroot, see $ROOT/apt.log" >&2; exit 1; }
fi
if [ $CUDA_BUILD -eq 1 ] && in_root dpkg-query -W -f='${Version}' nvidia-cudnn 2>/dev/null | grep -q stub \
  && [ ! -e "$SYS/usr/lib/x86_64-linux-gnu/libcudnn.so.9" ]; then
  # The stand-in's library: every cuDNN entry point LibTorch links, each failing with
  # CUDNN_STATUS_NOT_INITIALIZED, under cuDNN's symbol version. LibTorch calls none of them without a GPU.
  lib=/usr/lib/x86_64-linux-gnu
  in_root bash -c "set -e; mkdir -p /tmp/cudnn-stub && cd /tmp/cudnn-stub
    nm -D --undefined-only $lib/libtorch_cuda.so $lib/libtorch_python.so 2>/dev/null | awk '\$1==\"U\"{print \$2}' \
      | grep '^cudnn' | sed 's/@.*//' | sort -u | sed 's/.*/int &(void) { return 1; }/' > stub.c
    echo 'libcudnn.so.9 { global: *; };' > stub.map
    gcc -shared -fPIC -O1 -Wl,-soname,libcudnn.so.9 -Wl,--version-script=stub.map -o $lib/libcudnn.so.9 stub.c
    ln -sf libcudnn.so.9 $lib/libcudnn.so && ldconfig" > "$ROOT/cudnn-stub.log" 2>&1 \
    || { echo "libtorch2-check: cannot make the stub libcudnn.so.9, see $ROOT/cudnn-stub.log" >&2; exit 1; }
fi
if [ $SHELL_ONLY -eq 1 ]; then
  chroot "$SYS" bash -c "cd '$here' && exec bash -i"
  exit $?
fi

rm -rf "$OUT"; mkdir -p "$OUT"
torch_dev=libtorch-dev; [ $CUDA_BUILD -eq 1 ] && torch_dev=libtorch-cuda-dev
log "suite $SUITE: LibTorch $(in_root dpkg-query -W -f='${Version}' $torch_dev), $(in_root g++ --version | head -1), C++$STD"
[ $CUDA_BUILD -eq 1 ] && log "CUDA: $(in_root nvcc --version | sed -n 's/.*release \([0-9.]*\).*/nvcc \1/p'), NCCL $(in_root dpkg-query -W -f='${Version}' libnccl-dev), cuDNN $(in_root dpkg-query -W -f='${Version}' nvidia-cudnn)"
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

if [ $CUDA_BUILD -eq 1 ] && [ $build_rc -eq 0 ]; then
  # What a user of a CUDA build sees on a machine without a GPU: the build says CUDA, --device cuda is refused
  # before anything is written (the machine has no GPU, not the build), --device auto trains on the CPU.
  log "CUDA build without a GPU: the trainer's own checks"
  in_root bash -c "set -u; cd /tmp; rm -rf nogpu; t=$BUILD/app/train/rfdetr-train
    args='--dataset demo --cache-dir /tmp/nogpu/cache --model-size small --resolution 128 --num-queries 40 --max-steps 1'
    \$t --version | grep -q CUDA || { echo 'FAIL: --version does not say CUDA'; exit 1; }
    \$t train \$args --device cuda --output-dir /tmp/nogpu/cuda > /tmp/nogpu.out 2> /tmp/nogpu.err; rc=\$?
    [ \$rc -eq 2 ] && grep -q '0 GPU(s) visible' /tmp/nogpu.err && ! grep -q 'built without CUDA' /tmp/nogpu.err \
      && [ ! -e /tmp/nogpu/cuda/config.json ] || { echo \"FAIL: --device cuda (exit \$rc):\"; cat /tmp/nogpu.err; exit 1; }
    echo \"PASS: --device cuda refused: \$(grep -m1 error: /tmp/nogpu.err)\"
    \$t train \$args --device auto --output-dir /tmp/nogpu/auto > /tmp/nogpu.out 2> /tmp/nogpu.err; rc=\$?
    [ \$rc -eq 0 ] && [ -e /tmp/nogpu/auto/checkpoint.pth ] || { echo \"FAIL: --device auto (exit \$rc):\"; tail -20 /tmp/nogpu.err; exit 1; }
    echo 'PASS: --device auto trained one step on the CPU and wrote its checkpoint'" \
    > "$OUT/cuda_without_gpu.log" 2>&1 || status=1
  tee -a "$OUT/summary.txt" < "$OUT/cuda_without_gpu.log" >&2
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
