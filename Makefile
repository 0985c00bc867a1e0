# meterbridge: the two commands are `make demo` and `make test`. Each installs missing Debian
# packages (quietly, only when missing), configures, builds, then runs.
PRESET ?= default
JOBS ?= 2

.PHONY: all deps configure build test demo bench asan clean

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

asan: deps
	@cmake --preset asan-ubsan >/dev/null
	@cmake --build --preset asan-ubsan -j $(JOBS)
	@ctest --preset asan-ubsan

clean:
	rm -rf build build-release build-asan
