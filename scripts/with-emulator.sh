#!/usr/bin/env bash
# Runs a command beside a fresh emulator on a free loopback port, then stops the emulator.
#   scripts/with-emulator.sh EMULATOR_BINARY KEY_FILE -- COMMAND...
# The command sees CAPTUREKIT_EMULATOR_URL (the emulator's root URL), CDP_KEY_FILE (a dev
# key the emulator accepts; created when missing) and STATESET_API_KEY (a StateSet key it accepts).
set -euo pipefail
emulator_bin=$1
key_file=$2
shift 2
[ "${1:-}" = "--" ] && shift

out=$(mktemp)
stateset_key=${STATESET_API_KEY:-demo-stateset-key}
"$emulator_bin" --port 0 --dev-key "$key_file" --stateset-api-key "$stateset_key" --settle-delay-ms "${CAPTUREKIT_SETTLE_DELAY_MS:-500}" >"$out" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -f "$out"' EXIT

for _ in $(seq 1 100); do
  url=$(sed -n 's/^CAPTUREKIT_EMULATOR_URL=//p' "$out")
  [ -n "$url" ] && break
  kill -0 "$pid" 2>/dev/null || { cat "$out" >&2; exit 1; }
  sleep 0.1
done
[ -n "${url:-}" ] || { echo "the emulator did not start" >&2; cat "$out" >&2; exit 1; }

echo "emulator at $url (dev key $key_file)"
CAPTUREKIT_EMULATOR_URL=$url CDP_KEY_FILE=$key_file STATESET_API_KEY=$stateset_key "$@"
