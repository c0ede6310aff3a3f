# capturekit: `make demo` runs a capture flow against the local emulator; `make test` runs
# every test. One cargo target dir (./target) serves every build.

CARGO ?= cargo
PYTHON ?= python3
DEMO_DIR := .demo
EMULATOR := target/debug/capturekit-emulator
VENV := .venv
VENV_PY := $(VENV)/bin/python

.PHONY: demo test test-rust test-python python-dev bench emulator build clean

build:
	$(CARGO) build --workspace --bins --examples

demo: build python-dev
	@mkdir -p $(DEMO_DIR)
	scripts/with-emulator.sh $(EMULATOR) $(DEMO_DIR)/dev-key.json -- \
		sh -c 'target/debug/examples/capture_flow && $(VENV_PY) python/examples/capture_flow.py'

test: test-rust test-python

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

bench:
	$(CARGO) bench --workspace

emulator: build
	@mkdir -p $(DEMO_DIR)
	$(EMULATOR) --port 8402 --dev-key $(DEMO_DIR)/dev-key.json

clean:
	$(CARGO) clean
	rm -rf $(DEMO_DIR) $(VENV) python/capturekit/*.so
