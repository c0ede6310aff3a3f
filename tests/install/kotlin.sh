#!/usr/bin/env bash
# A throwaway Maven project depends on com.capturekit:capturekit-sdk, which `make dist`
# installed into the local Maven repository, and captures with no jna.library.path, no
# LD_LIBRARY_PATH and no Rust: JNA loads the library from the jar.
source "$(dirname "$0")/common.sh"
jar=$(ls "$dist"/maven/capturekit-sdk-[0-9]*[0-9].jar)
version=$(basename "$jar" .jar)
version=${version#capturekit-sdk-}
echo "$(basename "$jar"): $(stat -c %s "$jar") bytes"
unzip -l "$jar" | grep ' linux-x86-64/libcapturekit_ffi.so$' >/dev/null || { echo "$jar carries no linux-x86-64 library" >&2; exit 1; }
unzip -o -q -d "$work/kotlin-native" "$jar" linux-x86-64/libcapturekit_ffi.so
assert_glibc_2_17 "$work/kotlin-native/linux-x86-64/libcapturekit_ffi.so"

project=$work/kotlin
rm -rf "$project"
cp -r "$repo/tests/install/kotlin" "$project"
unset LD_LIBRARY_PATH
run_without_rust sh -c "cd '$project' && mvn -B -q --no-transfer-progress -Dstyle.color=never -Dcapturekit.version=$version compile exec:java"
