#!/usr/bin/env bash
# Builds the .deb packages from a finished build, unpacks them into a scratch root (dpkg -x) and runs the
# installed programs from there: no build-tree paths, correct RPATH, valid .desktop and AppStream files.
#   install_test.sh BUILD_DIR APP_ID
set -euo pipefail
build=$(cd "$1" && pwd)
app_id=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

echo "== cpack"
(cd "$work" && cpack -G DEB --config "$build/CPackConfig.cmake" -B "$work/pkg" > "$work/cpack.log" 2>&1) \
  || { tail -30 "$work/cpack.log"; fail "cpack failed"; }
version=$(grep -m1 'CPACK_PACKAGE_VERSION "' "$build/CPackConfig.cmake" | sed 's/.*"\(.*\)".*/\1/')
trainer="$work/pkg/rfdetr-train_${version}_amd64.deb"
[ -f "$trainer" ] || { ls "$work/pkg"; fail "missing $trainer"; }

check_control() {  # deb package section
  local info
  info=$(dpkg-deb -I "$1")
  grep -q "^ Package: $2$" <<< "$info" || fail "$1: Package is not $2"
  grep -q "^ Section: science$" <<< "$info" || fail "$1: Section is not science"
  grep -q "^ Maintainer: " <<< "$info" || fail "$1: no Maintainer"
  grep -q "^ Depends: .*lib" <<< "$info" || fail "$1: Depends not computed by dpkg-shlibdeps"
  grep -q "^ Description: " <<< "$info" || fail "$1: no Description"
}
check_control "$trainer" rfdetr-train
grep -qi "libqt6" <<< "$(dpkg-deb -I "$trainer")" && fail "the trainer package depends on Qt"

root="$work/root"
dpkg -x "$trainer" "$root"
for f in usr/bin/rfdetr-train usr/bin/train_rfdetr_full.sh usr/share/man/man1/rfdetr-train.1 \
         usr/share/doc/rfdetr-train/copyright; do
  [ -e "$root/$f" ] || fail "trainer package lacks /$f"
done

# RPATH/RUNPATH must not point into the build tree.
if grep -E "RPATH|RUNPATH" <<< "$(readelf -d "$root/usr/bin/rfdetr-train")" | grep -qF "$build"; then
  fail "rfdetr-train has a build-tree RPATH"
fi

echo "== installed trainer"
out=$(env -i PATH="$root/usr/bin:/usr/bin:/bin" HOME="$work" "$root/usr/bin/rfdetr-train" --version)
echo "$out"
grep -qF "rfdetr-train $version" <<< "$out" || fail "unexpected --version: $out"
env -i PATH="$root/usr/bin:/usr/bin:/bin" HOME="$work" "$root/usr/bin/rfdetr-train" --dry-run \
  --output-dir "$work/run" > "$work/dry.json" || fail "rfdetr-train --dry-run failed"
grep -q '"effective_batch_size"' "$work/dry.json" || fail "--dry-run printed no configuration"
# The guide's script resolves the binary installed next to it (PATH without the build tree).
env -i PATH="$root/usr/bin:/usr/bin:/bin" HOME="$work" OUTPUT_DIR="$work/run2" CACHE_DIR="$work/cache" \
  "$root/usr/bin/train_rfdetr_full.sh" --dry-run > "$work/dry2.json" 2> "$work/dry2.err" \
  || { cat "$work/dry2.err"; fail "train_rfdetr_full.sh --dry-run failed"; }
grep -q '"batch_size": 24' "$work/dry2.json" || fail "train_rfdetr_full.sh did not apply the guide's defaults"
# The man page must be well-formed groff.
if command -v groff > /dev/null; then
  groff -man -Tutf8 -ww -z "$root/usr/share/man/man1/rfdetr-train.1" 2> "$work/groff.log" || fail "man page: groff failed"
  [ -s "$work/groff.log" ] && { cat "$work/groff.log"; fail "man page has groff warnings"; }
fi

studio="$work/pkg/rfdetr-studio_${version}_amd64.deb"
if [ -f "$studio" ]; then
  echo "== installed studio"
  check_control "$studio" rfdetr-studio
  grep -qF "rfdetr-train (= $version)" <<< "$(dpkg-deb -I "$studio")" || fail "rfdetr-studio does not depend on rfdetr-train"
  dpkg -x "$studio" "$root"
  for f in usr/bin/rfdetr-studio "usr/share/applications/$app_id.desktop" "usr/share/metainfo/$app_id.metainfo.xml" \
           usr/share/rfdetr-studio/presets.json; do
    [ -e "$root/$f" ] || fail "studio package lacks /$f"
  done
  for s in scalable 48x48 128x128 256x256 512x512; do
    ls "$root/usr/share/icons/hicolor/$s/apps/$app_id".* > /dev/null 2>&1 || fail "no $s icon"
  done
  desktop-file-validate "$root/usr/share/applications/$app_id.desktop" || fail "desktop-file-validate"
  appstreamcli validate --no-net --pedantic "$root/usr/share/metainfo/$app_id.metainfo.xml" \
    || appstreamcli validate --no-net "$root/usr/share/metainfo/$app_id.metainfo.xml" || fail "appstreamcli validate"
  if grep -E "RPATH|RUNPATH" <<< "$(readelf -d "$root/usr/bin/rfdetr-studio")" | grep -qF "$build"; then
    fail "rfdetr-studio has a build-tree RPATH"
  fi
  out=$(env -i PATH="$root/usr/bin:/usr/bin:/bin" HOME="$work" QT_QPA_PLATFORM=offscreen "$root/usr/bin/rfdetr-studio" --version)
  echo "$out"
  grep -qF "$version" <<< "$out" || fail "unexpected rfdetr-studio --version: $out"
fi
echo "PASS: packages install and run from $root"
