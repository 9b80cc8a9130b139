# Two commands set everything up on a fresh Debian machine:
#   make run    install missing system packages, build, start a demo
#   make test   install missing system packages, build, run every test
SWIFT ?= swift
CONFIG ?= debug
BUILD_FLAGS ?=
# C libraries the system-library targets link against; curl is the CLI the HTTP tests drive the server with.
DEB_PACKAGES := pkg-config libuv1-dev libcurl4-openssl-dev libhttp-parser-dev libsqlite3-dev zlib1g-dev curl
# Load generator and peer server for `make bench`'s http suite.
BENCH_PACKAGES := nginx-light wrk
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: deps bench-deps build build-release test run bench clean

# Installs only what is missing, so a machine that has everything is not touched.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

bench-deps: deps
	@missing=""; for p in $(BENCH_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

build-release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS)

run: build
	./examples/demo.sh

bench: bench-deps build-release
	./.build/release/kct-bench $(SUITES)

clean:
	rm -rf .build
