# Self-contained: every target creates the virtual environment it needs.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PACKAGES := identifiers vektis berichten world certs gateway insurer_stub provider_client portal \
	vecozo_sim

.PHONY: up check lint types test bench bench-http bench-instructions ab valgrind clean \
	container-deps browser-deps

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# `make up` passes options on to `vecozo-sim up`: ARGS="--port 0 --seed 7" (any option), or the
# named ones HOME_DIR, PORT, ADMIN_PORT, SEED, TODAY. Only a value given on make's command line
# counts, so a PORT or TODAY that happens to be in the environment does not leak in.
given = $(if $(filter command line,$(origin $(1))),$(2) '$($(1))')
UP_OPTIONS = $(call given,HOME_DIR,--home) $(call given,PORT,--port) \
	$(call given,ADMIN_PORT,--admin-port) $(call given,SEED,--seed) \
	$(call given,TODAY,--today) $(ARGS)

up: $(STAMP)  ## start the simulator (options: see UP_OPTIONS above)
	$(BIN)/vecozo-sim up $(strip $(UP_OPTIONS))

check: container-deps browser-deps lint types test  ## every check: lint, format, types, tests

# podman, runc and debootstrap for tests/e2e/test_container.py (docs/CONTAINER.md), installed
# only when missing and only as root with apt (CI's fresh machine); anywhere else, or when apt
# fails, the container test skips and says why.
CONTAINER_TOOLS := podman runc debootstrap
container-deps:
	@missing=; for tool in $(CONTAINER_TOOLS); do \
	  command -v $$tool >/dev/null 2>&1 || [ -x /usr/sbin/$$tool ] \
	  || missing="$$missing $$tool"; done; \
	if [ -z "$$missing" ]; then :; \
	elif [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "container-deps: installing$$missing"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq $(CONTAINER_TOOLS) >/dev/null; } \
	  || echo "container-deps: apt-get failed; the container test will skip"; \
	else echo "container-deps:$$missing missing, not root with apt: the container test will skip"; fi

# Debian's Chromium for the portal's browser tests (tests/browser, Playwright without its own
# browser download), installed only when missing and only as root with apt; anywhere else the
# browser tests skip and say why, except under CI=true, where they fail.
CHROMIUM := /usr/bin/chromium
browser-deps:
	@if [ -x $(CHROMIUM) ]; then :; \
	elif [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "browser-deps: installing chromium"; \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	    apt-get install -y -qq chromium >/dev/null; } \
	  || echo "browser-deps: apt-get failed; the browser tests will skip (fail under CI=true)"; \
	else echo "browser-deps: chromium missing, not root with apt: the browser tests will skip"; fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

types: $(STAMP)
	$(BIN)/mypy $(PACKAGES)

test: $(STAMP)
	$(BIN)/pytest

bench: $(STAMP) ab valgrind
	for b in bench/[a-z]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# bench/http.py drives the exchange with ApacheBench (issue 13); a benchmark, not a test, so
# `make check` never needs ab. Installed here when missing and we are root with apt.
bench-http: $(STAMP) ab
	$(BIN)/python bench/http.py

# bench/instructions.py counts the same requests' instructions under callgrind (steady where
# timing on a shared machine is not).
bench-instructions: $(STAMP) ab valgrind
	$(BIN)/python bench/instructions.py

valgrind:
	@command -v valgrind >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq valgrind; \
	  else echo "valgrind missing: apt-get install valgrind (as root)"; exit 1; fi; }

ab:
	@command -v ab >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq apache2-utils; \
	  else echo "ab missing: apt-get install apache2-utils (as root)"; exit 1; fi; }

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .hypothesis
