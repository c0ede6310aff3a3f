# capturekit: `make demo` runs a capture flow against the local emulator; `make test` runs
# every test. One cargo target dir (./target) serves every build.

CARGO ?= cargo
PYTHON ?= python3
DEMO_DIR := .demo
EMULATOR := target/debug/capturekit-emulator
VENV := .venv
VENV_PY := $(VENV)/bin/python

.PHONY: demo test test-rust test-python test-node python-dev node-build bench emulator build clean

build:
	$(CARGO) build --workspace --bins --examples

demo: build python-dev node-build
	@mkdir -p $(DEMO_DIR)
	scripts/with-emulator.sh $(EMULATOR) $(DEMO_DIR)/dev-key.json -- \
		sh -c 'target/debug/examples/capture_flow && $(VENV_PY) python/examples/capture_flow.py && node node/examples/capture_flow.js'

test: test-rust test-python test-node

test-rust:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

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

bench:
	$(CARGO) bench --workspace

emulator: build
	@mkdir -p $(DEMO_DIR)
	$(EMULATOR) --port 8402 --dev-key $(DEMO_DIR)/dev-key.json

clean:
	$(CARGO) clean
	rm -rf $(DEMO_DIR) $(VENV) python/capturekit/*.so node/node_modules node/*.node node/native.js node/native.d.ts
