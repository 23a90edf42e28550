#!/usr/bin/env bash
# RF-DETR Studio: install what is missing (Debian 12, apt), build, and run the Studio or the tests.
#   scripts/studio.sh run     install + build + launch rfdetr-studio on its built-in demo data
#   scripts/studio.sh test    install + build + run every test through CTest (GPU tests excluded)
#   scripts/studio.sh build   install + build only
#   scripts/studio.sh deps    install only
# Idempotent: packages already present are not reinstalled, builds are incremental (ccache).
# Environment: BUILD_DIR (default build), JOBS (default: CPU count), CTEST_ARGS (extra ctest arguments).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}
say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

PACKAGES=(
  build-essential cmake ninja-build pkg-config ccache lld git
  libtorch-dev libgloo-dev libopenblas0-pthread
  qt6-base-dev qt6-svg-dev libqcustomplot-dev libspdlog-dev nlohmann-json3-dev
  libturbojpeg0-dev libjpeg-dev libpng-dev libstb-dev zlib1g-dev libzstd-dev libsnappy-dev libsimdjson-dev libcurl4-openssl-dev libssl-dev
  xvfb xauth libgl1-mesa-dri fonts-dejavu-core
  python3 python3-numpy python3-torch python3-scipy python3-pil
  dpkg-dev file desktop-file-utils appstream
)

deps() {
  local missing=()
  for p in "${PACKAGES[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
  done
  if [ ${#missing[@]} -eq 0 ]; then
    say "all ${#PACKAGES[@]} packages are installed"
    return
  fi
  say "installing ${#missing[@]} missing packages: ${missing[*]}"
  local sudo=()
  [ "$(id -u)" -ne 0 ] && sudo=(sudo)
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() {
  say "configuring ($BUILD_DIR)"
  export CCACHE_BASEDIR="$here" CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
  cmake -S . -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=Release ${CMAKE_ARGS:-} >/dev/null
  say "building with $JOBS jobs (the first build takes ~15 min on 2 cores; later ones are incremental)"
  cmake --build "$BUILD_DIR" -j "$JOBS"
}

run_tests() {
  say "running the tests (label gpu excluded)"
  # shellcheck disable=SC2086
  ctest --test-dir "$BUILD_DIR" -LE gpu --output-on-failure -j "$JOBS" --timeout 900 ${CTEST_ARGS:-}
}

package() {
  say "building the .deb packages into $BUILD_DIR/packages"
  (cd "$BUILD_DIR" && cpack -G DEB -B "$BUILD_DIR/packages" >/dev/null)
  ls -1 "$BUILD_DIR"/packages/*.deb
}

run_studio() {
  local bin="$BUILD_DIR/app/studio/rfdetr-studio"
  if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    say "starting rfdetr-studio"
    exec "$bin" --dataset demo
  fi
  say "no display: starting rfdetr-studio under Xvfb and saving a screenshot to $BUILD_DIR/studio-screenshot.png"
  xvfb-run -a -s "-screen 0 1600x1000x24" "$bin" --dataset demo --screenshot "$BUILD_DIR/studio-screenshot.png"
  say "screenshot: $BUILD_DIR/studio-screenshot.png"
}

case "${1:-}" in
  deps) deps ;;
  build) deps; build ;;
  test) deps; build; run_tests ;;
  run) deps; build; run_studio ;;
  package) deps; build; package ;;
  *) echo "usage: $0 run|test|build|deps|package" >&2; exit 2 ;;
esac
