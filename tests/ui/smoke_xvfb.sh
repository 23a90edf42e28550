#!/usr/bin/env bash
# Xvfb smoke test: start rfdetr-studio on a real X server with the demo dataset and a recorded run, let it
# render, save a screenshot and export every plot, and check the PNGs. Usage: smoke_xvfb.sh STUDIO EVENTS_JSONL OUT_PNG
set -euo pipefail
studio=$1 events=$2 out=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/run" "$work/home" "$(dirname "$out")"
cp "$events" "$work/run/events.jsonl"
rm -f "$out"
# A private home: the smoke test never reads or writes the user's settings.
HOME="$work/home" XDG_CONFIG_HOME="$work/home/.config" XDG_DATA_HOME="$work/home/.local/share" \
  xvfb-run -a -s "-screen 0 1600x1000x24" \
  "$studio" --dataset demo --open-run "$work/run" --screenshot "$out" --screenshot-delay 1000 \
  --export-plots "$work/plots"
n=$(ls "$work/plots"/*.png | wc -l)
[ "$n" -eq 8 ] || { echo "expected 8 exported plots, got $n" >&2; exit 1; }
python3 - "$out" <<'PY'
import struct, sys
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h = struct.unpack(">II", data[16:24])
assert w >= 1000 and h >= 700, f"window too small: {w}x{h}"
assert len(data) > 50_000, f"suspiciously small screenshot ({len(data)} bytes): blank window?"
print(f"screenshot {w}x{h}, {len(data)} bytes: {sys.argv[1]}")
PY
