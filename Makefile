# meterbridge: the two commands are `make demo` and `make test`. Each installs missing Debian
# packages (quietly, only when missing), configures, builds, then runs.
PRESET ?= default
JOBS ?= 2

.PHONY: all deps configure build test demo bench bench-scale reliability fuzz asan package clean

all: build

deps:
	@scripts/install-deps.sh

configure: deps
	@cmake --preset $(PRESET) >/dev/null

build: configure
	@cmake --build --preset $(PRESET) -j $(JOBS)

test: build
	@ctest --preset $(PRESET)

demo: build
	@scripts/demo.sh build

bench: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@scripts/bench.sh build-release

# The scale benchmark alone (bench/README.md): worker processes on one throwaway PostgreSQL,
# 300 connectors over every platform's simulator. Arguments go through SCALE_ARGS, e.g.
# make bench-scale SCALE_ARGS="--connectors 100 --workers 1,2".
bench-scale: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS) --target meterbridge-bench-scale meterbridge \
		meterbridge-sim autotask connectwise gradient external
	@build-release/bin/meterbridge-bench-scale $(SCALE_ARGS)

# The reliability harness at its full size (docs/reliability.md), optimised build. Arguments go
# through RELIABILITY_ARGS, e.g. make reliability RELIABILITY_ARGS="--platforms autotask".
reliability: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)
	@build-release/bin/meterbridge-reliability --jobs 2 --out build-release/reliability-run \
		--json build-release/reliability.json $(RELIABILITY_ARGS)

# Every fuzz target for FUZZ_SECONDS each (clang, libFuzzer, ASan + UBSan; docs/reliability.md).
FUZZ_SECONDS ?= 60
fuzz: deps
	@cmake --preset fuzz >/dev/null
	@cmake --build --preset fuzz -j $(JOBS) --target fuzzers
	@scripts/fuzz.sh build-fuzz $(FUZZ_SECONDS)

asan: deps
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build --preset asan-ubsan -j $(JOBS)
	@ctest --preset asan-ubsan

# The Debian packages meterbridge and meterbridge-dev (docs/operations.md), from the optimised
# build, into build-release/packages/. PACKAGE_PRESET=default PACKAGE_DIR=build packages the
# debug build instead.
PACKAGE_PRESET ?= release
PACKAGE_DIR ?= build-release
package: deps
	@cmake --preset $(PACKAGE_PRESET) >/dev/null
	@cmake --build --preset $(PACKAGE_PRESET) -j $(JOBS) --target packaged
	@cd $(PACKAGE_DIR) && cpack -G DEB -B packages >/dev/null
	@ls $(PACKAGE_DIR)/packages/*.deb

clean:
	rm -rf build build-release build-asan build-fuzz
