# Two commands set everything up on a fresh Debian machine:
#   make run    install missing system packages, build, start a demo
#   make test   install missing system packages, build, run every test (the browser tests last)
#   make test-web  only the browser tests (headless Chromium + Selenium against real kct processes)
#   make format rewrites the Swift sources in the project's style (make lint checks it; make test runs it)
#   make fuzz   libFuzzer on the protocol decoders and the HTTP request path
#               [FUZZ_TARGET=protocol|http|gzip|all] [FUZZ_SECONDS=60 per target]
SWIFT ?= swift
CONFIG ?= debug
BUILD_FLAGS ?=
# C libraries the system-library targets link against; curl is the CLI the HTTP tests drive the server with;
# sqlite3 is the CLI the disk-full tests check a database's integrity with.
DEB_PACKAGES := pkg-config libuv1-dev libcurl4-openssl-dev libhttp-parser-dev libsqlite3-dev zlib1g-dev curl sqlite3
# The PostgreSQL server the tests start in a temporary directory (Tests/TestSupport/PostgresServer.swift):
# Debian's initdb, postgres, psql and pg_dump. `make run` does not need it.
PG_PACKAGES := postgresql
# Load generator and peer server for `make bench`'s http suite.
BENCH_PACKAGES := nginx-light wrk
# The web app's browser tests and page benchmark: Debian's Chromium and its WebDriver, driven by
# Selenium for Python in a virtual environment of our own (WEB_VENV, pinned in requirements.txt).
WEB_PACKAGES := chromium chromium-driver python3-venv
WEB_VENV := .venv-web
PYTHON ?= python3
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

FUZZ_TARGET ?= all
FUZZ_SECONDS ?= 60
FUZZ_TARGETS := protocol http gzip

.PHONY: deps pg-deps bench-deps web-deps build build-release test test-web run run-postgres bench bench-web fuzz clean format lint

# Installs only what is missing, so a machine that has everything is not touched.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi

pg-deps: deps
	@missing=""; for p in $(PG_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
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

web-deps: deps
	@missing=""; for p in $(WEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; \
	fi
	@if [ ! -f $(WEB_VENV)/.installed ] || [ Tests/WebTests/requirements.txt -nt $(WEB_VENV)/.installed ]; then \
	  $(PYTHON) -m venv $(WEB_VENV) && $(WEB_VENV)/bin/pip install -q -r Tests/WebTests/requirements.txt && \
	  touch $(WEB_VENV)/.installed; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

build-release: deps
	$(SWIFT) build -c release $(BUILD_FLAGS)

# The suites that drive real kct processes and wait for them synchronously run in a test process
# of their own: on 2 cores they would otherwise hold Swift's cooperative threads for minutes and
# starve the event-loop tests' awaits (sockets and provider calls timed out under them).
PROCESS_SUITES = SyncIntegrationTests|CLITests

test: deps pg-deps web-deps lint
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build $(BUILD_FLAGS) --skip '$(PROCESS_SUITES)'
	$(SWIFT) test --skip-build $(BUILD_FLAGS) --filter '$(PROCESS_SUITES)'
	$(WEB_VENV)/bin/python -m pytest -q -p no:cacheprovider Tests/WebTests/test_web.py

# Screenshots of every screen land in .build/web-screenshots/ (test artifacts, not committed).
test-web: web-deps
	$(SWIFT) build $(BUILD_FLAGS)
	$(WEB_VENV)/bin/python -m pytest -q -p no:cacheprovider Tests/WebTests/test_web.py

run: build
	./examples/demo.sh

# Central on PostgreSQL: two serve processes behind nginx, two workstations (README "Central on PostgreSQL").
run-postgres: pg-deps build
	@dpkg -s nginx-light >/dev/null 2>&1 || dpkg -s nginx >/dev/null 2>&1 || \
	  ($(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq nginx-light)
	./examples/central-postgres.sh

# The postgres suite starts Debian's PostgreSQL itself (pg-deps: server, pgbench, pg_stat_statements).
bench: bench-deps pg-deps build-release
	./.build/release/kct-bench $(SUITES)
	$(MAKE) bench-web

# Dashboard and order page with 10,000 orders, in headless Chromium (BENCHMARKS.md "Web app").
bench-web: web-deps build-release
	KCT=.build/release/kct $(WEB_VENV)/bin/python Tests/WebTests/bench_pages.py

# Builds the libFuzzer driver (Fuzz/Driver, added to the package only when KCT_FUZZ is set) in its
# own scratch path, then runs each target; a crash is kept under Fuzz/regressions/ and fails.
fuzz: deps
	KCT_FUZZ=1 $(SWIFT) build --scratch-path .build-fuzz --product kct-fuzz -Xswiftc -sanitize=fuzzer,address
	@targets="$(FUZZ_TARGET)"; [ "$$targets" = all ] && targets="$(FUZZ_TARGETS)"; \
	status=0; for target in $$targets; do \
	  ./Fuzz/run-fuzzer.sh "$$(pwd)/.build-fuzz/debug/kct-fuzz" $$target $(FUZZ_SECONDS) || status=1; \
	done; exit $$status

# The formatter ships with the toolchain; .swift-format holds the style the code is written in.
FORMAT_PATHS := Package.swift Sources Tests Fuzz Plugins

format:
	$(SWIFT) format format --in-place --recursive --parallel $(FORMAT_PATHS)

# Fails on any formatting difference, and on any line over the configured width that the
# formatter cannot wrap (string literals, SQL).
lint:
	$(SWIFT) format lint --strict --recursive --parallel $(FORMAT_PATHS)
	@width=$$(sed -n 's/.*"lineLength" *: *\([0-9]*\).*/\1/p' .swift-format); \
	long=$$(find $(FORMAT_PATHS) -name '*.swift' -exec awk -v w=$$width 'length > w { print FILENAME ":" FNR ": " length " > " w " characters" }' {} +); \
	if [ -n "$$long" ]; then echo "$$long"; exit 1; fi

clean:
	rm -rf .build .build-fuzz
