# Vigil: `make run` (demo + web UI) and `make test` (the full suite).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-seizure
DATA_DIR ?= vigil-data

.PHONY: run test lint system-deps clean

# The C kernels are compiled by the install: reinstall when it changes.
$(BIN)/vigil: pyproject.toml src/vigil/signals/_luma.c src/vigil/index/_probe.c
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Debian packages the browser tests need (Chromium, driven by Playwright). Installed when
# missing and we are root; otherwise those tests skip and say why.
system-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
	  echo "installing Debian's chromium"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "chromium missing and not root: browser tests will skip"; fi

# The demo: two agencies (DEMO-A, an NCB; DEMO-B, a specialised unit) with one user each, whose
# random passwords are made and printed now (demo only); DEMO-A holds the bank and the seizure.
run: $(BIN)/vigil
	$(BIN)/vigil demo build $(DEMO_DIR) --bank $(DEMO_DIR)-bank.json
	$(BIN)/vigil demo users --reset --data-dir $(DATA_DIR)
	$(BIN)/vigil bank import $(DEMO_DIR)-bank.json --bank demo-known --create --agency DEMO-A --data-dir $(DATA_DIR)
	$(BIN)/vigil ingest $(DEMO_DIR) --case DEMO-1 --seizure demo-phone --agency DEMO-A --data-dir $(DATA_DIR)
	@echo "Log in at http://127.0.0.1:8000/login as demo-a (DEMO-A, holds the demo seizure) or demo-b (DEMO-B) with the passwords printed above (demo only)."
	$(BIN)/vigil serve --data-dir $(DATA_DIR)

test: $(BIN)/vigil system-deps
	$(BIN)/ruff check src tests bench
	$(BIN)/mypy
	$(BIN)/pytest -n 2 -q

lint: $(BIN)/vigil
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(DEMO_DIR) $(DEMO_DIR)-bank.json $(DATA_DIR) .pytest_cache .mypy_cache .ruff_cache
