# The project's entry points. Each target installs the Debian packages it needs when they are missing
# (scripts/install-deps.sh is idempotent), so these work on a fresh Debian 12 machine.
SHELL := /bin/bash
JOBS ?= $(shell nproc)

.PHONY: all deps build run test bench clean

all: build

deps:
	@bash scripts/install-deps.sh

# Release binaries in build/release/bin/.
build: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j$(JOBS)

# Until the server exists: the engine alone on the standard workload, with a readable summary.
run: build
	@./build/release/bin/sequex-bench engine --workload standard --summary

# The whole suite: release tests (unit, differential, benchmark smoke), ASan+UBSan tests, bounded fuzzing.
test: deps
	@bash scripts/test.sh

# Engine benchmarks on the standard workloads, median of 5 runs each.
bench: build
	@./build/release/bin/sequex-bench engine --workload standard --runs 5
	@./build/release/bin/sequex-bench engine --workload single-book --runs 5

clean:
	rm -rf build
