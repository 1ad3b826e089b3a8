#!/usr/bin/env bash
# The Debian package end to end, as a user gets it: cpack on the already-built tree (no rebuild), lintian, apt
# install, the INSTALLED strega-cli screening Colin27 with the INSTALLED model, the desktop files validated where
# they were installed, then apt remove. It changes /usr, so it needs root and removes the package on every exit.
# Usage: package_test.sh BUILD_DIR CPACK_COMMAND
# Exit 77 (CTest SKIP_RETURN_CODE) when it cannot run here: not root, or not a Debian system with apt.
set -euo pipefail

BUILD=$1
CPACK=$2
PACKAGE=strega
INPUT=/usr/share/mricron/templates/ch2.nii.gz
# Left behind while the package is installed by this test: a run killed before its trap (ctest's timeout sends
# SIGKILL) is recognised by the next run, which then removes the package instead of refusing to touch it.
MARKER=/var/lib/strega-package-test/installed-by-test

log() { printf '[package] %s\n' "$*"; }
fail() { printf '[package] FAILED: %s\n' "$*" >&2; exit 1; }
skip() { printf '[package] SKIPPED: %s\n' "$*"; exit 77; }
installed() { dpkg-query -W -f='${Status}' "$PACKAGE" 2>/dev/null | grep -q "install ok installed"; }
seconds_since() { echo $(( $(date +%s) - $1 )); }

[[ $(id -u) -eq 0 ]] || skip "needs root: it installs the package with apt-get into /usr (run as root, as CI does)"
command -v apt-get >/dev/null || skip "needs apt-get (a Debian system)"
command -v dpkg-query >/dev/null || skip "needs dpkg (a Debian system)"
for tool in lintian appstreamcli desktop-file-validate; do
  command -v "$tool" >/dev/null || fail "$tool is missing: it is in packaging/build-depends.txt, run ./dev setup"
done
[[ -f "$BUILD/CPackConfig.cmake" ]] || fail "$BUILD/CPackConfig.cmake is missing: configure with STREGA_PACKAGING=ON"
[[ -f "$INPUT" ]] || fail "$INPUT is missing (package mricron-data)"

# One package test per machine at a time: clones in other folders (other worktrees, CI) share dpkg and /usr.
mkdir -p "$(dirname "$MARKER")"
exec 9>"$(dirname "$MARKER")/lock"
flock -w 900 9 || fail "another package test held the lock for 15 minutes"

APT=(apt-get -y -q -o DPkg::Lock::Timeout=300)
export DEBIAN_FRONTEND=noninteractive
if installed; then
  if [[ -f "$MARKER" ]]; then
    log "removing the package left installed by an interrupted earlier run"
    "${APT[@]}" remove "$PACKAGE" >/dev/null
    rm -f "$MARKER"
  else
    skip "$PACKAGE is installed on this machine and not by this test; remove it (apt-get remove $PACKAGE) to test"
  fi
fi

WORK=$(mktemp -d /tmp/strega-package-test.XXXXXX)
cleanup() {
  local rc=$?
  if [[ -f "$MARKER" ]] && installed; then
    log "cleanup: removing $PACKAGE"
    "${APT[@]}" remove "$PACKAGE" >/dev/null 2>&1 || log "cleanup: apt-get remove $PACKAGE failed: remove it by hand"
  fi
  installed || rm -f "$MARKER"
  rm -rf "$WORK"
  exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Build the package from the existing tree. cpack's install step only checks that the tree is up to date.
t=$(date +%s)
"$CPACK" -G DEB --config "$BUILD/CPackConfig.cmake" -B "$WORK/cpack" >"$WORK/cpack.log" 2>&1 ||
  { cat "$WORK/cpack.log"; fail "cpack"; }
cpack_s=$(seconds_since "$t")
debs=("$WORK"/cpack/"$PACKAGE"_*.deb)
[[ ${#debs[@]} -eq 1 && -f "${debs[0]}" ]] || fail "cpack made no single ${PACKAGE}_*.deb in $WORK/cpack"
DEB=${debs[0]}
size=$(stat -c %s "$DEB")
installed_kb=$(dpkg-deb -f "$DEB" Installed-Size)
log "built $(basename "$DEB"): $((size / 1024)) KiB, installed size $((installed_kb / 1024)) MiB, cpack ${cpack_s}s"
depends=$(dpkg-deb -f "$DEB" Depends)
log "Depends: $depends"
for dep in mricron-data libopenblas0-openmp libtorch libqt6widgets6 libvtk9 libinsighttoolkit5 libdcmtk17; do
  [[ "$depends" == *"$dep"* ]] || fail "Depends lacks $dep (dpkg-shlibdeps or CPACK_DEBIAN_PACKAGE_DEPENDS)"
done
dpkg-deb -c "$DEB" >"$WORK/contents.txt"
for path in ./usr/bin/strega ./usr/bin/strega-cli ./usr/share/strega/models/strega-compact-colin27.pt \
  ./usr/share/strega/models/MODEL_CARD.md ./usr/share/applications/org.strega.StRegA.desktop \
  ./usr/share/metainfo/org.strega.StRegA.metainfo.xml ./usr/share/mime/packages/org.strega.StRegA.xml \
  ./usr/share/icons/hicolor/scalable/apps/org.strega.StRegA.svg ./usr/share/icons/hicolor/16x16/apps/org.strega.StRegA.png \
  ./usr/share/icons/hicolor/256x256/apps/org.strega.StRegA.png ./usr/share/man/man1/strega-cli.1.gz \
  ./usr/share/man/man1/strega.1.gz ./usr/share/doc/strega/copyright ./usr/share/doc/strega/changelog.gz; do
  grep -q " $path\$" "$WORK/contents.txt" || fail "the package lacks $path"
done
version=$(dpkg-deb -f "$DEB" Version)

# 2. lintian: errors fail the test; warnings and info tags are listed.
t=$(date +%s)
lintian_rc=0
lintian --tag-display-limit 0 --display-info --fail-on error "$DEB" >"$WORK/lintian.txt" 2>&1 || lintian_rc=$?
lintian_s=$(seconds_since "$t")
errors=$(grep -c '^E: ' "$WORK/lintian.txt" || true)
warnings=$(grep -c '^W: ' "$WORK/lintian.txt" || true)
infos=$(grep -c '^I: ' "$WORK/lintian.txt" || true)
log "lintian (${lintian_s}s): $errors errors, $warnings warnings, $infos info"
sed 's/^/[package]   /' "$WORK/lintian.txt"
[[ $lintian_rc -eq 0 && $errors -eq 0 ]] || fail "lintian reports errors (exit $lintian_rc)"

# 3. Install with apt, as a user would (apt resolves Depends; all are installed here as build dependencies).
t=$(date +%s)
touch "$MARKER"
"${APT[@]}" install --no-install-recommends "$DEB" >"$WORK/install.log" 2>&1 ||
  { cat "$WORK/install.log"; fail "apt-get install $DEB"; }
install_s=$(seconds_since "$t")
installed || fail "$PACKAGE is not installed after apt-get install"
log "installed in ${install_s}s"

/usr/bin/strega-cli --version | tee "$WORK/version.txt"
grep -q "strega-cli $version (commit [0-9a-f]" "$WORK/version.txt" || fail "strega-cli --version does not say $version and a commit"
/usr/bin/strega --version >/dev/null || fail "the installed GUI does not start (strega --version)"
# The triggers of shared-mime-info and hicolor-icon-theme ran: the NIfTI type is known to the desktop.
grep -q '^image/x-nifti$' /usr/share/mime/types || fail "image/x-nifti is not in /usr/share/mime/types"

desktop-file-validate /usr/share/applications/org.strega.StRegA.desktop || fail "desktop-file-validate"
appstreamcli validate --no-net /usr/share/metainfo/org.strega.StRegA.metainfo.xml || fail "appstreamcli validate"
# Both are written by hand per release: a version bump in project() must bring an entry in each.
grep -q "<release version=\"$version\"" /usr/share/metainfo/org.strega.StRegA.metainfo.xml ||
  fail "the metainfo has no <release> for $version (packaging/org.strega.StRegA.metainfo.xml)"
newest=$(zcat /usr/share/doc/strega/changelog.gz | sed -n 1p)
[[ "$newest" == "strega ($version) "* ]] || fail "the newest packaging/changelog entry is not for $version: $newest"

# 4. The installed binary with the installed model, from a folder outside the build tree, on the Colin27 head.
t=$(date +%s)
(cd "$WORK" && env -u STREGA_MODEL /usr/bin/strega-cli -q run "$INPUT" -o "$WORK/out") || fail "strega-cli run"
run_s=$(seconds_since "$t")
for f in mask.nii.gz report.json; do
  [[ -s "$WORK/out/$f" ]] || fail "strega-cli run wrote no $f"
done
model=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["model"]["path"])' "$WORK/out/report.json")
[[ "$model" == /usr/share/strega/* ]] || fail "report.json's model is $model, not under /usr/share/strega"
log "strega-cli run in ${run_s}s with $model"

# 5. Remove: nothing of the package stays.
t=$(date +%s)
"${APT[@]}" remove "$PACKAGE" >"$WORK/remove.log" 2>&1 || { cat "$WORK/remove.log"; fail "apt-get remove"; }
remove_s=$(seconds_since "$t")
rm -f "$MARKER"
installed && fail "$PACKAGE is still installed after apt-get remove"
for path in /usr/bin/strega-cli /usr/bin/strega /usr/share/strega /usr/share/applications/org.strega.StRegA.desktop; do
  [[ ! -e "$path" ]] || fail "$path is left after apt-get remove"
done
log "removed in ${remove_s}s"
log "summary: $(basename "$DEB") $((size / 1024)) KiB; lintian $errors E / $warnings W / $infos I;" \
  "cpack ${cpack_s}s, lintian ${lintian_s}s, install ${install_s}s, run ${run_s}s, remove ${remove_s}s"
