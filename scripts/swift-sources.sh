#!/bin/sh
# Generates the Swift package's sources from the built capturekit-ffi library:
#   swift-sources.sh <uniffi-bindgen> <library> <Sources dir>
# Both crates' Swift files go into the CaptureKit module; their C headers into one C module,
# CaptureKitFFI, whose module map (with the link directive) is kept by hand in the package.
set -eu
bindgen=$1 library=$2 sources=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$bindgen" generate --no-format --library "$library" --language swift --out-dir "$work" >/dev/null
mkdir -p "$sources/CaptureKit" "$sources/CaptureKitFFI/include"
cp "$work/CaptureKit.swift" "$work/CaptureKitModel.swift" "$sources/CaptureKit/"
cp "$work/capturekit_ffiFFI.h" "$work/capturekit_modelFFI.h" "$sources/CaptureKitFFI/include/"
