# capturekit: `make demo` runs a capture flow against the local emulator; `make test` runs
# every test. One cargo target dir (./target) serves every build.

CARGO ?= cargo
PYTHON ?= python3
DEMO_DIR := .demo
EMULATOR := target/debug/capturekit-emulator
VENV := .venv
# The uniffi library the Kotlin tests load through JNA (debug profile, shared target dir).
LIB_EXT := $(if $(filter Darwin,$(shell uname -s)),dylib,so)
FFI_LIB := target/debug/libcapturekit_ffi.$(LIB_EXT)
BINDGEN := target/debug/uniffi-bindgen
KOTLIN_SOURCES := bindings/kotlin/target/generated-sources/uniffi
MVN ?= mvn -B --no-transfer-progress -Dcapturekit.skipNativeBuild=true
VENV_PY := $(VENV)/bin/python
# The Python and Node crates turn on the core's `python` and `node` features, whose code only
# links inside an interpreter; maturin and napi build them, each on its own.
RUST_CRATES := --workspace --exclude capturekit-python --exclude capturekit-node

.PHONY: dist dist-python dist-node dist-kotlin test-install ffi demo test test-rust test-python test-node test-kotlin check-swift test-swift check-generated generate test-bench python-dev node-build kotlin-sources swift-sources release-mobile bench bench-webhooks bench-tools bench-rust emulator build clean

build:
	$(CARGO) build $(RUST_CRATES) --bins --examples

demo: build python-dev node-build kotlin-sources
	@mkdir -p $(DEMO_DIR)
	cd bindings/kotlin && $(MVN) -q test-compile -Dcapturekit.libdir=$(abspath target/debug)
	scripts/with-emulator.sh $(EMULATOR) $(abspath $(DEMO_DIR))/dev-key.json -- \
		sh -c 'target/debug/examples/capture_flow && target/debug/examples/provider_captures && $(VENV_PY) python/examples/capture_flow.py && node node/examples/capture_flow.js \
		&& cd bindings/kotlin && $(MVN) -q exec:java -Dcapturekit.libdir=$(abspath target/debug)'

test: check-generated test-rust test-python test-node test-kotlin check-swift test-swift test-bench test-install

test-rust:
	$(CARGO) test $(RUST_CRATES) --all-targets
	$(CARGO) test $(RUST_CRATES) --doc

# The Python and TypeScript files written from the core's types (bindings/codegen), and the
# Swift package's sources: `generate` rewrites them all, `check-generated` fails on a stale one.
generate: swift-sources
	$(CARGO) run --quiet -p capturekit-codegen

check-generated:
	$(CARGO) run --quiet -p capturekit-codegen -- --check

# The development virtualenv: pinned tools, nothing installed into the system Python.
$(VENV)/.installed: python/requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(VENV_PY) -m pip install --quiet --disable-pip-version-check -r python/requirements-dev.txt
	touch $@

# Builds the extension (debug profile, shared target dir) into the virtualenv, editable.
python-dev: $(VENV)/.installed
	VIRTUAL_ENV=$(abspath $(VENV)) $(VENV)/bin/maturin develop --quiet -m python/Cargo.toml

test-python: python-dev build
	CAPTUREKIT_EMULATOR_BIN=$(abspath $(EMULATOR)) $(VENV_PY) -m pytest python/tests -q

# The npm package: pinned dev dependencies from package-lock.json, then the addon (debug).
node/node_modules/.installed: node/package-lock.json
	cd node && npm ci --no-audit --no-fund
	touch $@

node-build: node/node_modules/.installed
	cd node && npm run build

test-node: node-build build
	cd node && CAPTUREKIT_EMULATOR_BIN=$(abspath $(EMULATOR)) npm test

# The Rust library and its generator are built in one cargo call, so that uniffi's features
# are the same as in `cargo test --workspace` and nothing is compiled twice.
ffi:
	$(CARGO) build -p capturekit-ffi -p uniffi-bindgen

# Kotlin sources, generated from the built library (uniffi library mode); not committed.
kotlin-sources: ffi
	rm -rf $(KOTLIN_SOURCES)
	$(BINDGEN) generate --no-format --library $(FFI_LIB) --language kotlin --out-dir $(KOTLIN_SOURCES)

test-kotlin: kotlin-sources build
	cd bindings/kotlin && $(MVN) test -Dcapturekit.libdir=$(abspath target/debug)

# The Swift package's generated sources are committed (this machine has no Swift to build
# them); swift-sources regenerates them, check-swift fails when they are stale.
swift-sources: ffi
	scripts/swift-sources.sh $(BINDGEN) $(FFI_LIB) bindings/swift/Sources

check-swift: ffi
	rm -rf target/swift-check && mkdir -p target/swift-check
	scripts/swift-sources.sh $(BINDGEN) $(FFI_LIB) target/swift-check
	diff -r bindings/swift/Sources/CaptureKit target/swift-check/CaptureKit
	for header in capturekit_ffiFFI.h capturekit_modelFFI.h; do \
		diff bindings/swift/Sources/CaptureKitFFI/include/$$header target/swift-check/CaptureKitFFI/include/$$header || exit 1; \
	done
	@echo "bindings/swift: generated sources are up to date"

# The Swift package built and tested against the debug library and emulator: with the
# machine's own Swift, or (Linux without one, as root) with Debian trixie's Swift 6.0.3 in a
# root made once in $(SWIFT_ROOT) (scripts/swift-root.sh) and reused.
SWIFT_ROOT := .swift-root

test-swift: ffi build
	scripts/test-swift.sh $(SWIFT_ROOT)

# The library as shipped to Android and iOS: size over build time, symbols stripped.
release-mobile:
	$(CARGO) build --profile release-mobile -p capturekit-ffi

# The packages a release publishes, for this machine's platform (Linux x86-64 with glibc 2.17
# or newer: manylinux2014), in dist/: the Python wheel and sdist, the npm root and platform
# packages, the Kotlin jar (with its native library), sources jar and POM, also installed
# into the local Maven repository. zig (PyPI's ziglang, through maturin and cargo-zigbuild)
# links each against glibc 2.17. docs/release.md has the other platforms.
DIST := dist
# The workspace's version, which every package carries (tests/tests/release_metadata.rs).
VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
DIST_TARGET := x86_64-unknown-linux-gnu
DIST_GLIBC := 2.17
ZIG_ENV := PATH=$(abspath $(VENV))/bin:$$PATH
# maturin links through its own zig wrapper, cargo-zigbuild through another: in one target
# dir each would find the other's builds stale and rebuild everything, so the wheel has its own.
WHEEL_TARGET_DIR := target/wheel

dist: dist-python dist-node dist-kotlin

# The client's wheel and sdist, and the emulator's (maturin's "bin" bindings: the executable
# on the virtualenv's PATH); the emulator's other packages take their executable from its wheel.
dist-python: $(VENV)/.installed
	rm -rf $(DIST)/python
	for crate in python emulator; do \
		$(ZIG_ENV) maturin build --quiet --release --zig --compatibility manylinux2014 -m $$crate/Cargo.toml \
			--target-dir $(WHEEL_TARGET_DIR) --out $(DIST)/python && \
		$(ZIG_ENV) maturin sdist -m $$crate/Cargo.toml --out $(DIST)/python || exit 1; \
	done

# The client's npm packages, then the emulator's (from the emulator's wheel).
dist-node: node/node_modules/.installed $(VENV)/.installed dist-python
	$(ZIG_ENV) scripts/dist-node.sh $(DIST_TARGET).$(DIST_GLIBC) $(DIST)/npm
	scripts/dist-emulator-npm.sh $(DIST)/python/capturekit_emulator-$(VERSION)-*.whl $(DIST)/npm

# The client's jar (its tests ran in test-kotlin, against the same sources), the emulator's
# (its executable taken from the emulator's wheel) and capturekit-testing's, whose tests run
# here against the first two as installed, as a user's project resolves them.
EMULATOR_JAR_DIR := target/dist-emulator-jar

dist-kotlin: kotlin-sources $(VENV)/.installed dist-python
	$(ZIG_ENV) $(CARGO) zigbuild --quiet --release -p capturekit-ffi --target $(DIST_TARGET).$(DIST_GLIBC)
	cd bindings/kotlin && $(MVN) -q install -DskipTests -Dcapturekit.nativedir=$(abspath target/$(DIST_TARGET)/release)
	rm -rf $(EMULATOR_JAR_DIR) && mkdir -p $(EMULATOR_JAR_DIR)
	scripts/emulator-from-wheel.sh $(DIST)/python/capturekit_emulator-$(VERSION)-*.whl $(EMULATOR_JAR_DIR)/capturekit-emulator
	cd bindings/kotlin/emulator && $(MVN) -q install -Dcapturekit.emulator.dir=$(abspath $(EMULATOR_JAR_DIR))
	cd bindings/kotlin/testing && $(MVN) install
	rm -rf $(DIST)/maven && mkdir -p $(DIST)/maven
	cp bindings/kotlin/target/capturekit-sdk-$(VERSION).jar bindings/kotlin/target/capturekit-sdk-$(VERSION)-sources.jar $(DIST)/maven/
	cp bindings/kotlin/pom.xml $(DIST)/maven/capturekit-sdk-$(VERSION).pom
	cp bindings/kotlin/emulator/target/capturekit-emulator-$(VERSION).jar $(DIST)/maven/
	cp bindings/kotlin/emulator/pom.xml $(DIST)/maven/capturekit-emulator-$(VERSION).pom
	cp bindings/kotlin/testing/target/capturekit-testing-$(VERSION).jar bindings/kotlin/testing/target/capturekit-testing-$(VERSION)-sources.jar $(DIST)/maven/
	cp bindings/kotlin/testing/pom.xml $(DIST)/maven/capturekit-testing-$(VERSION).pom

# What a user installs, tried as a user would: from dist/ only, with no Rust on PATH, each
# package captures against the emulator (tests/install).
test-install: dist build
	tests/install/python.sh
	tests/install/node.sh
	tests/install/kotlin.sh

# The side-by-side benchmark (bench/README.md). The official SDKs it compares with are
# installed only here, pinned, in their own virtualenv and folder; so are its chart tools.
BENCH_VENV := bench/.venv
PEER_VENV := bench/peers/python/.venv
BENCH_RUN = $(BENCH_VENV)/bin/python bench/run.py --peer-python $(PEER_VENV)/bin/python

$(BENCH_VENV)/.installed: bench/requirements.txt
	$(PYTHON) -m venv $(BENCH_VENV)
	$(BENCH_VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/requirements.txt
	touch $@

$(PEER_VENV)/.installed: bench/peers/python/requirements.txt
	$(PYTHON) -m venv $(PEER_VENV)
	$(PEER_VENV)/bin/pip install --quiet --disable-pip-version-check -r bench/peers/python/requirements.txt
	touch $@

bench/peers/node/node_modules/.installed: bench/peers/node/package-lock.json
	cd bench/peers/node && npm ci --no-audit --no-fund
	touch $@

bench-tools: $(BENCH_VENV)/.installed $(PEER_VENV)/.installed bench/peers/node/node_modules/.installed

# Webhook verification throughput (a 2 KB delivery), from criterion.
bench-webhooks:
	$(CARGO) bench -p capturekit-tests --bench webhook_verify

# Release builds, five rounds; rewrites docs/benchmarks.md and docs/benchmarks.png.
bench: bench-tools $(VENV)/.installed node/node_modules/.installed
	$(CARGO) build --release -p capturekit-emulator -p capturekit-bench
	VIRTUAL_ENV=$(abspath $(BENCH_VENV)) $(VENV)/bin/maturin develop --quiet --release -m python/Cargo.toml
	cd node && npm run build:release
	$(BENCH_RUN) --out docs --emulator target/release/capturekit-emulator \
		--rust-bench target/release/capturekit-bench --capturekit-python $(BENCH_VENV)/bin/python

# One short round on the debug builds, so that the bench cannot rot; its report goes to
# target/bench-smoke and its figures judge nothing.
test-bench: bench-tools python-dev node-build build
	$(BENCH_RUN) --smoke --profile debug --out target/bench-smoke --emulator $(EMULATOR) \
		--rust-bench target/debug/capturekit-bench --capturekit-python $(VENV_PY)

# The Rust micro-benchmarks (criterion): JWT signing, round trip, emulator throughput.
bench-rust:
	$(CARGO) bench $(RUST_CRATES)

emulator: build
	@mkdir -p $(DEMO_DIR)
	$(EMULATOR) --port 8402 --dev-key $(DEMO_DIR)/dev-key.json

clean:
	$(CARGO) clean
	rm -rf $(DEMO_DIR) $(VENV) python/capturekit_sdk/*.so node/node_modules node/*.node node/native.js node/native.d.ts $(DIST)
	rm -rf $(BENCH_VENV) $(PEER_VENV) bench/peers/node/node_modules
