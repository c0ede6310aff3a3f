#!/usr/bin/env bash
# Makes, once, a Debian trixie root with Swift 6.0.3 and XCTest (Debian's `swiftlang`), for
# building and testing the Swift package on a Linux host that has no Swift of its own:
#   scripts/swift-root.sh DIR
# A root that is already complete is reused; a half-made one (an interrupted run) is made
# again. Needs root (debootstrap and chroot) and Debian's package archive.
set -euo pipefail
root=$1
if [ -x "$root/usr/bin/swift" ] && [ -f "$root/.complete" ]; then
  exit 0
fi
if ! command -v debootstrap >/dev/null; then
  apt-get install -y -q --no-install-recommends debootstrap >/dev/null
fi
partial="$root.partial"
rm -rf "$partial"
mkdir -p "$(dirname "$root")"
echo "swift: making a Debian trixie root in $root (once; about 2 minutes and 2.5 GB)"
debootstrap --variant=minbase trixie "$partial" http://deb.debian.org/debian >"$partial.log" 2>&1 \
  || { tail -20 "$partial.log" >&2; exit 1; }
# Pinned: the Swift of Debian trixie (6.0.3); apt refuses another version.
chroot "$partial" apt-get install -y -q --no-install-recommends swiftlang=6.0.3* libc6-dev >>"$partial.log" 2>&1 \
  || { tail -20 "$partial.log" >&2; exit 1; }
chroot "$partial" apt-get clean
touch "$partial/.complete"
rm -rf "$root"
mv "$partial" "$root"
rm -f "$partial.log"
