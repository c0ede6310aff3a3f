#!/usr/bin/env bash
# The npm packages as napi-rs projects publish them: the root package, whose
# optionalDependencies name one package per platform (`napi prepublish` writes them), and the
# platform package of this machine's target, its addon linked by zig (cargo-zigbuild) against
# an old glibc. Both are packed into <out dir>; node/ itself is left as it was.
#   scripts/dist-node.sh <target, e.g. x86_64-unknown-linux-gnu.2.17> <out dir>
set -euo pipefail
target=$1
out=$(realpath -m "$2")
repo=$(cd "$(dirname "$0")/.." && pwd)
napi=$repo/node/node_modules/.bin/napi
stage=$repo/target/dist-node
rm -rf "$stage" "$out"
mkdir -p "$stage" "$out"

# The addon, native.js and native.d.ts, built into the stage.
(cd "$repo/node" && "$napi" build --platform --release -x --target "$target" \
  --output-dir "$stage" --js native.js --dts native.d.ts)

# The root package's files (package.json's `files`, its README, the LICENSE) and the
# platform packages' folders.
cd "$repo/node"
for file in $(node -p "require('./package.json').files.filter((f) => !f.startsWith('native.')).join(' ')"); do
  cp "$file" "$stage/"
done
cp package.json README.md "$repo/LICENSE" "$stage/"
cp -r npm "$stage/npm"
for platform in "$stage"/npm/*/; do cp "$repo/LICENSE" "$platform"; done

cd "$stage"
"$napi" artifacts --output-dir . --npm-dir npm
"$napi" prepublish --npm-dir npm --tag-style npm --skip-optional-publish
for platform in npm/*/; do (cd "$platform" && npm pack --silent --pack-destination "$out" >/dev/null); done
npm pack --silent --pack-destination "$out" >/dev/null
ls -l "$out"
