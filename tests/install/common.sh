# Shared by the install tests (sourced): where they work, the PATH without Rust, and the
# emulator they run against.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dist=$repo/dist
work=$repo/target/install
emulator=$repo/target/debug/capturekit-emulator
mkdir -p "$work"

# This PATH without any folder that holds cargo or rustc: a user's machine without Rust.
without_rust() {
  local kept="" dir
  local IFS=:
  for dir in $PATH; do
    [ -x "$dir/cargo" ] || [ -x "$dir/rustc" ] || kept=${kept:+$kept:}$dir
  done
  echo "$kept"
}

# Runs a command beside a fresh emulator (scripts/with-emulator.sh), with no Rust on PATH.
run_without_rust() {
  mkdir -p "$work"
  PATH=$(without_rust) "$repo/scripts/with-emulator.sh" "$emulator" "$work/dev-key.json" -- "$@"
}

# Fails unless the shared library links no glibc symbol newer than 2.17 (manylinux2014).
assert_glibc_2_17() {
  local newest
  newest=$(objdump -T "$1" | grep -o 'GLIBC_[0-9.]*' | sed 's/GLIBC_//' | sort -uV | tail -1)
  [ "$(printf '%s\n2.17\n' "$newest" | sort -V | tail -1)" = "2.17" ] ||
    { echo "$1 needs glibc $newest, newer than 2.17" >&2; exit 1; }
  echo "$(basename "$1"): newest glibc symbol version $newest"
}
