#!/usr/bin/env bash
# Builds and tests the Swift package (bindings/swift) against the debug Rust library and
# emulator (built first by `make`):
#   scripts/test-swift.sh SWIFT_ROOT
# A machine with a Swift of its own (macOS, or Linux with Swift on PATH) uses it. Otherwise
# the tests run with Debian trixie's Swift inside SWIFT_ROOT (made once by swift-root.sh; this
# needs root), with the repository mounted read-only and /proc mounted; both are unmounted on
# exit, and at the next start if a killed run left them. The build writes only to
# target/swift-build. SWIFT_TEST_TIMEOUT (seconds, default 1200) bounds each step, so that a
# hang fails instead of holding CI.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
limit=${SWIFT_TEST_TIMEOUT:-1200}
scratch=$repo/target/swift-build
mkdir -p "$scratch"

# `timeout` ends a step at the limit (and kills it 30 s later if it ignores SIGTERM); macOS
# has none, unless coreutils' `gtimeout`.
bounded() {
  if command -v timeout >/dev/null; then
    timeout -k 30 "$limit" "$@"
  elif command -v gtimeout >/dev/null; then
    gtimeout -k 30 "$limit" "$@"
  else
    "$@"
  fi
}

if swift --version 2>/dev/null | grep -q "Swift version"; then
  cd "$repo/bindings/swift"
  export LD_LIBRARY_PATH="$repo/target/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export DYLD_LIBRARY_PATH="$repo/target/debug${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}"
  export CAPTUREKIT_EMULATOR="$repo/target/debug/capturekit-emulator"
  export CAPTUREKIT_EMULATOR_BIN="$CAPTUREKIT_EMULATOR"
  bounded swift build --build-tests --scratch-path "$scratch" -Xlinker -L"$repo/target/debug"
  exec bounded swift test --skip-build --disable-swift-testing --scratch-path "$scratch"
fi

root=${1:?usage: test-swift.sh SWIFT_ROOT}
mounts=("$root/scratch" "$root/repo" "$root/proc")
unmount() {
  for mount in "${mounts[@]}"; do
    if mountpoint -q "$mount" 2>/dev/null; then umount -l "$mount" || true; fi
  done
}
# A run that was killed may have left its mounts behind: undo them before anything else.
unmount
trap unmount EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"$repo/scripts/swift-root.sh" "$root"
mkdir -p "$root/repo" "$root/scratch"
# The root has its own /dev (debootstrap made its device nodes); only /proc is shared.
mount -t proc proc "$root/proc"
mount --bind "$repo" "$root/repo"
mount -o remount,bind,ro "$root/repo"
mount --bind "$scratch" "$root/scratch"

bounded chroot "$root" /usr/bin/env -i HOME=/tmp PATH=/usr/bin:/bin \
  LD_LIBRARY_PATH=/repo/target/debug CAPTUREKIT_EMULATOR=/repo/target/debug/capturekit-emulator \
  CAPTUREKIT_EMULATOR_BIN=/repo/target/debug/capturekit-emulator \
  /bin/sh -c 'cd /repo/bindings/swift \
    && swift build --build-tests --scratch-path /scratch -Xlinker -L/repo/target/debug \
    && swift test --skip-build --disable-swift-testing --scratch-path /scratch'
