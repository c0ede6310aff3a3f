#!/usr/bin/env bash
# Makes, once, a Debian trixie root with Swift 6.0.3 and XCTest (Debian's `swiftlang`), for
# building and testing the Swift package on a Linux host that has no Swift of its own:
#   scripts/swift-root.sh DIR
# A root that is already complete is reused; a half-made one (an interrupted run) is made
# again. Needs root (debootstrap and chroot) and Debian's package archive, whose signatures
# are checked.
set -euo pipefail
root=${1:?usage: swift-root.sh DIR}
if [ -x "$root/usr/bin/swift" ] && [ -f "$root/.complete" ]; then
  exit 0
fi
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
missing=()
command -v debootstrap >/dev/null || missing+=(debootstrap)
[ -f "$keyring" ] || missing+=(debian-archive-keyring)
if [ ${#missing[@]} -gt 0 ]; then
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi

# Deletes a folder that nothing is mounted under (a mount left by a killed run would make a
# recursive delete reach outside it).
remove() {
  if grep -q " $(realpath -m "$1")/" /proc/self/mounts; then
    echo "swift-root: something is still mounted under $1; unmount it first" >&2
    exit 1
  fi
  rm -rf --one-file-system "$1"
}

partial="$root.partial"
remove "$partial"
mkdir -p "$(dirname "$root")"
echo "swift: making a Debian trixie root in $root (once; about a minute and 2.6 GB)"
debootstrap --variant=minbase --force-check-gpg --keyring="$keyring" trixie "$partial" http://deb.debian.org/debian \
  >"$partial.log" 2>&1 || { tail -20 "$partial.log" >&2; exit 1; }
# Pinned: the Swift of Debian trixie (6.0.3); apt refuses another version.
chroot "$partial" apt-get install -y -q --no-install-recommends 'swiftlang=6.0.3*' libc6-dev >>"$partial.log" 2>&1 \
  || { tail -20 "$partial.log" >&2; exit 1; }
chroot "$partial" apt-get clean
touch "$partial/.complete"
remove "$root"
mv "$partial" "$root"
rm -f "$partial.log"
