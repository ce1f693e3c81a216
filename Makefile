# The project's entry points. Each target installs the Debian packages it needs when they are missing
# (scripts/install-deps.sh is idempotent), so these work on a fresh Debian 12 machine.
SHELL := /bin/bash
JOBS ?= $(shell nproc)

.PHONY: all deps build run test bench tidy clean

all: build

deps:
	@bash scripts/install-deps.sh

# Release binaries in build/release/bin/.
build: deps
	@cmake --preset release >/dev/null
	@cmake --build build/release -j$(JOBS)

# The exchange on its embedded default: 127.0.0.1:8080, journal in ./data, demo instruments, market maker and
# accounts (their keys in data/demo-accounts.json). Ctrl-C stops it; the next `make run` recovers from ./data.
run: build
	@./build/release/bin/sequexd

# The whole suite: release tests (unit, differential, benchmark smoke), the API suite through CCXT, ASan+UBSan
# tests, TSan tests, bounded fuzzing.
test: deps
	@bash scripts/test.sh

# Engine benchmarks on the standard workloads, median of 5 runs each.
bench: build
	@./build/release/bin/sequex-bench engine --workload standard --runs 5
	@./build/release/bin/sequex-bench engine --workload single-book --runs 5

# The style gates over everything: clang-format on every tracked C++ file, clang-tidy on every translation unit
# (tests, benchmarks and tools too; CI's `make test` runs them over src/ only).
tidy: deps
	@cmake --preset release >/dev/null
	@bash scripts/lint.sh --all

clean:
	rm -rf build
