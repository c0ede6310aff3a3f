#!/usr/bin/env bash
# The wheel from dist/ installs into a fresh virtualenv with no index and no Rust, and
# captures against the emulator; auditwheel confirms it is manylinux2014 (glibc 2.17).
source "$(dirname "$0")/common.sh"
# The wheel the README's "Install" names: it must be the one `make dist` wrote.
wheel=$repo/$(sed -n 's#^pip install \(dist/python/.*\.whl\)$#\1#p' "$repo/README.md")
[ -f "$wheel" ] || { echo "README.md names a wheel that make dist did not write: $wheel" >&2; exit 1; }
sdist=$(ls "$dist"/python/capturekit_sdk-*.tar.gz)
emulator_wheel=$(ls "$dist"/python/capturekit_emulator-*.whl)
echo "wheel $(basename "$wheel") ($(stat -c %s "$wheel") bytes), sdist $(basename "$sdist") ($(stat -c %s "$sdist") bytes)"

for each in "$wheel" "$emulator_wheel"; do
  "$repo/.venv/bin/auditwheel" show "$each" | tee "$work/auditwheel.txt"
  grep -q '"manylinux_2_17_x86_64"' "$work/auditwheel.txt"
done

venv=$work/python
rm -rf "$venv"
python3 -m venv "$venv"
PATH=$(without_rust) "$venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
run_without_rust "$venv/bin/python" "$repo/tests/install/capture.py"

# The sdist builds from source (with Rust), and that build captures too. The shared target
# dir and the debug profile keep dependencies compiled; the sdist's own sources are touched,
# so that cargo compiles the workspace's crates from them (it would count older files fresh).
rm -rf "$work/sdist-src" "$work/sdist-wheel" "$work/python-sdist"
mkdir -p "$work/sdist-src"
tar -xzf "$sdist" -C "$work/sdist-src"
find "$work/sdist-src" -name '*.rs' -exec touch {} +
PATH=$repo/.venv/bin:$PATH CARGO_TARGET_DIR=$repo/target MATURIN_PEP517_ARGS="--profile dev" "$repo/.venv/bin/pip" wheel --quiet \
  --disable-pip-version-check --no-deps --no-build-isolation --wheel-dir "$work/sdist-wheel" "$work"/sdist-src/*/
python3 -m venv "$work/python-sdist"
"$work/python-sdist/bin/pip" install --quiet --disable-pip-version-check --no-index "$work"/sdist-wheel/*.whl
run_without_rust "$work/python-sdist/bin/python" "$repo/tests/install/capture.py"

# A user's own test suite: a fresh virtualenv gets capturekit-sdk with its "testing" extra
# (the emulator's wheel) from dist/ only, and pytest; the README's pytest example runs there
# as the user runs it, with the fixture of the installed plugin and the emulator the wheel
# put in the virtualenv (no CAPTUREKIT_EMULATOR_BIN, no Rust on PATH).
pytest_pin=$(grep '^pytest==' "$repo/python/requirements-dev.txt")
"$repo/.venv/bin/pip" download --quiet --disable-pip-version-check --dest "$work/wheelhouse" "$pytest_pin"
user=$work/python-user
rm -rf "$user" "$work/python-user-tests"
python3 -m venv "$user"
PATH=$(without_rust) "$user/bin/pip" install --quiet --disable-pip-version-check --no-index \
  --find-links "$dist/python" --find-links "$work/wheelhouse" "capturekit-sdk[testing]" "$pytest_pin"
assert_glibc_2_17 "$user/bin/capturekit-emulator"
mkdir -p "$work/python-user-tests"
readme_test_file test_capture.py "$work/python-user-tests"
(cd "$work/python-user-tests" && env -u CAPTUREKIT_EMULATOR_BIN PATH="$(without_rust)" "$user/bin/python" -m pytest \
  -p no:cacheprovider -v test_capture.py)
