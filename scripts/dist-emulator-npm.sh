#!/usr/bin/env bash
# The emulator's npm packages, as the client's are shipped: the root package
# `capturekit-emulator` (executablePath() and the `capturekit-emulator` command), whose
# optionalDependencies name one package per platform, and this machine's platform package,
# holding the executable taken out of the emulator's wheel (one build for every package).
# Both are packed into <out dir>, beside the client's.
#   scripts/dist-emulator-npm.sh <emulator wheel> <out dir>
set -euo pipefail
wheel=$(realpath "$1")
out=$(realpath -m "$2")
repo=$(cd "$(dirname "$0")/.." && pwd)
stage=$repo/target/dist-emulator-npm
rm -rf "$stage"
mkdir -p "$stage" "$out"
cp -r "$repo/emulator/npm/." "$stage/"

"$repo/scripts/emulator-from-wheel.sh" "$wheel" "$stage/linux-x64-gnu/capturekit-emulator"

for package in "$stage"/*/; do
  cp "$repo/LICENSE" "$repo/emulator/README.md" "$package"
  (cd "$package" && npm pack --silent --pack-destination "$out" >/dev/null)
done
ls -l "$out"/capturekit-emulator-*
