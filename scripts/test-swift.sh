#!/usr/bin/env bash
# Builds and tests the Swift package (bindings/swift) against the debug Rust library and
# emulator (built first by `make`):
#   scripts/test-swift.sh SWIFT_ROOT
# A machine with a Swift of its own (macOS, or Linux with `swift` on PATH) uses it. Otherwise
# the tests run with Debian trixie's Swift inside SWIFT_ROOT (made once by swift-root.sh; this
# needs root), with the repository mounted read-only; every mount is undone on exit. The build
# writes only to target/swift-build. SWIFT_TEST_TIMEOUT (seconds, default 1200) bounds the run,
# so that a hang fails instead of holding CI.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
limit=${SWIFT_TEST_TIMEOUT:-1200}
scratch=$repo/target/swift-build
mkdir -p "$scratch"

if command -v swift >/dev/null; then
  cd "$repo/bindings/swift"
  export LD_LIBRARY_PATH="$repo/target/debug${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export DYLD_LIBRARY_PATH="$repo/target/debug${DYLD_LIBRARY_PATH:+:$DYLD_LIBRARY_PATH}"
  export CAPTUREKIT_EMULATOR="$repo/target/debug/capturekit-emulator"
  timeout "$limit" swift build --build-tests --scratch-path "$scratch" -Xlinker -L"$repo/target/debug"
  exec timeout "$limit" swift test --skip-build --disable-swift-testing --scratch-path "$scratch"
fi

root=${1:?usage: test-swift.sh SWIFT_ROOT}
"$repo/scripts/swift-root.sh" "$root"
root=$(cd "$root" && pwd)
mkdir -p "$root/repo" "$root/scratch"
mounts=("$root/scratch" "$root/repo" "$root/dev" "$root/proc")
unmount() {
  for mount in "${mounts[@]}"; do
    if mountpoint -q "$mount"; then umount -l "$mount" || true; fi
  done
}
# A run that was killed may have left its mounts behind.
unmount
trap unmount EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
mount -t proc proc "$root/proc"
mount --bind /dev "$root/dev"
mount --bind "$repo" "$root/repo"
mount -o remount,bind,ro "$root/repo"
mount --bind "$scratch" "$root/scratch"

timeout "$limit" chroot "$root" /usr/bin/env -i HOME=/tmp PATH=/usr/bin:/bin \
  LD_LIBRARY_PATH=/repo/target/debug CAPTUREKIT_EMULATOR=/repo/target/debug/capturekit-emulator \
  /bin/sh -c 'cd /repo/bindings/swift \
    && swift build --build-tests --scratch-path /scratch -Xlinker -L/repo/target/debug \
    && swift test --skip-build --disable-swift-testing --scratch-path /scratch'
