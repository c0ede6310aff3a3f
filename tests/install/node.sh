#!/usr/bin/env bash
# The two npm tarballs from dist/ install offline into a fresh folder with no Rust, and
# capture from CommonJS and from ESM; without its platform package, the loader names the
# platform and the ones published.
source "$(dirname "$0")/common.sh"
# The tarballs the README's "Install" names: they must be the ones `make dist` wrote.
read -r platform root < <(sed -n 's#^npm install \(dist/npm/[^ ]*\.tgz\) \(dist/npm/[^ ]*\.tgz\)$#\1 \2#p' "$repo/README.md")
platform=$repo/$platform
root=$repo/$root
for tarball in "$root" "$platform"; do
  [ -f "$tarball" ] || { echo "README.md names a tarball that make dist did not write: $tarball" >&2; exit 1; }
done
version=$(node -p "require('$repo/node/package.json').version")
for tarball in "$root" "$platform"; do echo "$(basename "$tarball"): $(stat -c %s "$tarball") bytes"; done

app=$work/node
rm -rf "$app"
mkdir -p "$app"
cp "$repo/tests/install/capture.cjs" "$repo/tests/install/capture.mjs" "$app/"
echo '{ "name": "install-test", "version": "1.0.0", "private": true }' >"$app/package.json"
(cd "$app" && PATH=$(without_rust) npm install --offline --no-audit --no-fund --loglevel=error "$platform" "$root")
assert_glibc_2_17 "$(ls "$app"/node_modules/capturekit-sdk-linux-x64-gnu/*.node)"
[ -z "$(ls "$app"/node_modules/capturekit-sdk/*.node 2>/dev/null)" ] || { echo "the root package carries a binary" >&2; exit 1; }

run_without_rust sh -c "cd '$app' && node capture.cjs && node capture.mjs"

# A user's own test suite: the emulator's packages join them (`npm install --save-dev
# capturekit-emulator`), and the README's node:test example runs there as the user runs it,
# through capturekit-sdk/testing, with the installed emulator (no CAPTUREKIT_EMULATOR_BIN,
# no Rust on PATH).
emulator_root=$(ls "$dist"/npm/capturekit-emulator-[0-9]*.tgz)
emulator_platform=$(ls "$dist"/npm/capturekit-emulator-linux-x64-gnu-*.tgz)
(cd "$app" && PATH=$(without_rust) npm install --offline --no-audit --no-fund --loglevel=error --save-dev \
  "$emulator_platform" "$emulator_root")
assert_glibc_2_17 "$app/node_modules/capturekit-emulator-linux-x64-gnu/capturekit-emulator"
(cd "$app" && PATH=$(without_rust) npx --offline capturekit-emulator --version)
readme_test_file capture.test.mjs "$app"
(cd "$app" && env -u CAPTUREKIT_EMULATOR_BIN PATH="$(without_rust)" node --test --test-reporter=spec capture.test.mjs)
# On a platform with no published emulator (this machine posing as Linux arm64), it says so.
message=$(cd "$app" && node -e "Object.defineProperty(process, 'arch', { value: 'arm64' })
try { require('capturekit-emulator').executablePath() } catch (e) { console.log(e.code + ': ' + e.message) }")
echo "$message"
case $message in
  "ERR_CAPTUREKIT_NO_EMULATOR: capturekit-emulator: no executable for this platform (linux-arm64-gnu): capturekit-emulator $version publishes no executable for it. Platforms published: linux-x64-gnu.") ;;
  *) echo "unexpected emulator package error: $message" >&2; exit 1 ;;
esac

# With a broken binary in the platform package, the error says it is installed but did not load.
addon=$(ls "$app"/node_modules/capturekit-sdk-linux-x64-gnu/*.node)
printf 'not an addon' >"$addon"
message=$(cd "$app" && node -e "try { require('capturekit-sdk') } catch (e) { console.log(e.code + ': ' + e.message) }")
echo "$message"
case $message in
  "ERR_CAPTUREKIT_NO_NATIVE_LIBRARY: capturekit-sdk: no native library for this platform (linux-x64-gnu"*"its package capturekit-sdk-linux-x64-gnu is installed but its binary did not load"*) ;;
  *) echo "unexpected loader error: $message" >&2; exit 1 ;;
esac

# Without the platform package, the error names the platform and the platforms published.
rm -rf "$app/node_modules/capturekit-sdk-linux-x64-gnu"
message=$(cd "$app" && node -e "try { require('capturekit-sdk') } catch (e) { console.log(e.code + ': ' + e.message) }")
echo "$message"
case $message in
  "ERR_CAPTUREKIT_NO_NATIVE_LIBRARY: capturekit-sdk: no native library for this platform (linux-x64-gnu"*"its package capturekit-sdk-linux-x64-gnu is not installed"*"Platforms published: linux-x64-gnu."*) ;;
  *) echo "unexpected loader error: $message" >&2; exit 1 ;;
esac

# On a platform with no published binary (this machine posing as Linux arm64), it says so.
message=$(cd "$app" && node -e "Object.defineProperty(process, 'arch', { value: 'arm64' })
try { require('capturekit-sdk') } catch (e) { console.log(e.code + ': ' + e.message) }")
echo "$message"
case $message in
  "ERR_CAPTUREKIT_NO_NATIVE_LIBRARY: capturekit-sdk: no native library for this platform (linux-arm64-gnu"*"capturekit-sdk $version publishes no binary for it. Platforms published: linux-x64-gnu."*) ;;
  *) echo "unexpected loader error: $message" >&2; exit 1 ;;
esac
