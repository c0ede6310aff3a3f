# Shared by the install tests (sourced): where they work, the PATH without Rust, and the
# emulator they run against.
set -euo pipefail
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
dist=$repo/dist
work=$repo/target/install
emulator=$repo/target/debug/capturekit-emulator
mkdir -p "$work"

# This PATH with cargo, rustc and rustup hidden: a user's machine without Rust. A folder that
# holds them is replaced by a shadow folder of links to everything else in it, so that the
# other tools there (python3, node, mvn, … when Rust sits in /usr/bin) stay on PATH.
without_rust() {
  local kept="" dir shadow entry name
  local IFS=:
  for dir in $PATH; do
    if [ -e "$dir/cargo" ] || [ -e "$dir/rustc" ] || [ -e "$dir/rustup" ]; then
      shadow=$work/no-rust/$(printf '%s' "$dir" | md5sum | cut -c1-12)
      if [ ! -d "$shadow" ]; then
        mkdir -p "$shadow"
        for entry in "$dir"/*; do
          name=${entry##*/}
          case $name in cargo | cargo-* | rustc | rustdoc | rustup | rustfmt | rust-* | clippy-driver) continue ;; esac
          ln -s "$entry" "$shadow/$name"
        done
      fi
      dir=$shadow
    fi
    kept=${kept:+$kept:}$dir
  done
  echo "$kept"
}

# Writes the README block whose first line is "<comment> <file name>" (the test file a
# user writes, e.g. "# test_capture.py") into <folder>/<file name>.
readme_test_file() {
  local name=$1 folder=$2
  awk -v name="$name" '
    /^```/ { if (inside) exit; in_block = !in_block; first = in_block; next }
    first { first = 0; if ($0 ~ ("^(#|//) " name "$")) inside = 1 }
    inside { print }
  ' "$repo/README.md" >"$folder/$name"
  [ -s "$folder/$name" ] || { echo "README.md has no block that starts with the file name $name" >&2; exit 1; }
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
