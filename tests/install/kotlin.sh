#!/usr/bin/env bash
# A throwaway Maven project depends on com.capturekit:capturekit-sdk, which `make dist`
# installed into the local Maven repository, and captures with no jna.library.path, no
# LD_LIBRARY_PATH and no Rust: JNA loads the library from the jar. Its tests (the README's
# JUnit example) run with com.capturekit:capturekit-testing, installed there too.
source "$(dirname "$0")/common.sh"
version=$(sed -n 's/^version = "\(.*\)"/\1/p' "$repo/Cargo.toml" | head -1)
jar=$dist/maven/capturekit-sdk-$version.jar
echo "$(basename "$jar"): $(stat -c %s "$jar") bytes"
jar tf "$jar" | grep -x 'linux-x86-64/libcapturekit_ffi.so' >/dev/null || { echo "$jar carries no linux-x86-64 library" >&2; exit 1; }
rm -rf "$work/kotlin-native" && mkdir -p "$work/kotlin-native"
(cd "$work/kotlin-native" && jar xf "$jar" linux-x86-64/libcapturekit_ffi.so)
assert_glibc_2_17 "$work/kotlin-native/linux-x86-64/libcapturekit_ffi.so"
emulator_jar=$dist/maven/capturekit-emulator-$version.jar
(cd "$work/kotlin-native" && jar xf "$emulator_jar" com/capturekit/emulator/linux-x86-64/capturekit-emulator)
assert_glibc_2_17 "$work/kotlin-native/com/capturekit/emulator/linux-x86-64/capturekit-emulator"

project=$work/kotlin
rm -rf "$project"
cp -r "$repo/tests/install/kotlin" "$project"
unset LD_LIBRARY_PATH
run_without_rust sh -c "cd '$project' && mvn -B -q --no-transfer-progress -Dstyle.color=never -Dcapturekit.version=$version compile exec:java"

# A user's own test suite: the README's JUnit example, with capturekit-testing from the local
# Maven repository (its emulator from the capturekit-emulator jar, no CAPTUREKIT_EMULATOR_BIN).
mkdir -p "$project/src/test/kotlin"
readme_test_file CheckoutTest.kt "$project/src/test/kotlin"
(cd "$project" && env -u CAPTUREKIT_EMULATOR_BIN PATH="$(without_rust)" mvn -B -q --no-transfer-progress -Dstyle.color=never \
  -Dcapturekit.version="$version" test)
grep -h "Tests run" "$project"/target/surefire-reports/*.txt
grep -q "Tests run: 1, Failures: 0, Errors: 0, Skipped: 0" "$project/target/surefire-reports/CheckoutTest.txt"
