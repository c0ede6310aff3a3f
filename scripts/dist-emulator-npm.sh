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

# The executable, from the wheel's scripts (zip entries keep their mode in external_attr).
python3 - "$wheel" "$stage/linux-x64-gnu/capturekit-emulator" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    [entry] = [e for e in archive.infolist() if e.filename.endswith(".data/scripts/capturekit-emulator")]
    with open(target, "wb") as out:
        out.write(archive.read(entry))
PY
chmod 755 "$stage/linux-x64-gnu/capturekit-emulator"

for package in "$stage"/*/; do
  cp "$repo/LICENSE" "$repo/emulator/README.md" "$package"
  (cd "$package" && npm pack --silent --pack-destination "$out" >/dev/null)
done
ls -l "$out"/capturekit-emulator-*
