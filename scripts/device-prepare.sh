#!/usr/bin/env bash
# device-prepare.sh — on the Debian build machine, before a device call: unpack what the GPU machine lacks into
# .device/ (git-ignored), so the call can carry it (run with carry [".device"]) and scripts/device-check.sh finds it.
# Today that is stb (header-only; the GPU machine has no libstb-dev and no network).
#   scripts/device-prepare.sh        idempotent; prints the folder it prepared
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dest="$here/.device/stb"
if [ -f "$dest/usr/include/stb/stb_image_resize.h" ]; then
  echo "device-prepare: $dest is ready"
  exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
(cd "$work" && apt-get download libstb-dev >"$work/apt.log" 2>&1) || {
  cat "$work/apt.log" >&2
  echo "device-prepare: 'apt-get download libstb-dev' failed (network or apt sources?); run 'apt-get update' and retry" >&2
  exit 1
}
mkdir -p "$work/x"
dpkg -x "$work"/libstb-dev_*.deb "$work/x"
[ -f "$work/x/usr/include/stb/stb_image_resize.h" ] || { echo "device-prepare: the package has no stb_image_resize.h" >&2; exit 1; }
rm -rf "$dest.tmp" && mkdir -p "$dest.tmp/usr"
cp -r "$work/x/usr/include" "$dest.tmp/usr/"
rm -rf "$dest" && mv "$dest.tmp" "$dest"
echo "device-prepare: stb headers in $dest ($(du -sh "$dest" | cut -f1)); pass carry [\".device\"] to the device call"
