# capturekit: `make demo` runs a capture flow against the local emulator; `make test` runs
# every test. One cargo target dir (./target) serves every build.

CARGO ?= cargo
DEMO_DIR := .demo
EMULATOR := target/debug/capturekit-emulator

.PHONY: demo test test-rust bench emulator build clean

build:
	$(CARGO) build --workspace --bins --examples

demo: build
	@mkdir -p $(DEMO_DIR)
	scripts/with-emulator.sh $(EMULATOR) $(DEMO_DIR)/dev-key.json -- \
		target/debug/examples/capture_flow

test: test-rust

test-rust:
	$(CARGO) test --workspace --all-targets
	$(CARGO) test --workspace --doc

bench:
	$(CARGO) bench --workspace

emulator: build
	@mkdir -p $(DEMO_DIR)
	$(EMULATOR) --port 8402 --dev-key $(DEMO_DIR)/dev-key.json

clean:
	$(CARGO) clean
	rm -rf $(DEMO_DIR)
