#!/usr/bin/env bash
# Copies the capturekit-emulator executable out of the emulator's wheel (its .data/scripts),
# so that every package of the emulator carries the one build maturin made.
#   scripts/emulator-from-wheel.sh <emulator wheel> <destination file>
set -euo pipefail
python3 - "$1" "$2" <<'PY'
import sys, zipfile
wheel, target = sys.argv[1], sys.argv[2]
with zipfile.ZipFile(wheel) as archive:
    [entry] = [e for e in archive.infolist() if e.filename.endswith(".data/scripts/capturekit-emulator")]
    with open(target, "wb") as out:
        out.write(archive.read(entry))
PY
chmod 755 "$2"
