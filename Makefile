# Two commands on a fresh machine: `make demo` and `make test`. Each installs what is missing.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEB_PACKAGES := unixodbc tdsodbc libkrb5-3 libgssapi-krb5-2 libssl3
# only for the tests (the console's browser test); the image installs DEB_PACKAGES alone
TEST_DEB_PACKAGES := chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install system-packages venv-package test-packages demo test lint typecheck pytest test-sqlserver conformance clients bench clean deps-check

install: system-packages $(STAMP)

# Installs the Debian packages of $(1) that are missing (as root; otherwise says how).
define ensure_debs
	@missing=""; for p in $(1); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing Debian packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "missing Debian packages:$$missing"; \
	    echo "run: sudo apt-get install -y$$missing"; exit 1; \
	  fi; \
	fi
endef

# Debian packages for the ODBC stack: unixODBC (needed by Microsoft's driver too) and FreeTDS.
system-packages:
	$(call ensure_debs,$(DEB_PACKAGES))

venv-package:
	$(call ensure_debs,python3-venv)

# chromium for the console's browser tests (tests/e2e/test_console_*.py): tests only,
# so `make demo` does not download a browser; and axe-core, the accessibility rules the
# console's pages are checked against, from npm into a cache folder outside the repository.
AXE_DIR ?= $(HOME)/.cache/azsql-mcp-axe
AXE_VERSION ?= 4.14.1
test-packages:
	$(call ensure_debs,$(TEST_DEB_PACKAGES))
	$(ensure_npm)
	@test -f $(AXE_DIR)/node_modules/axe-core/axe.min.js \
	  || npm install --prefix $(AXE_DIR) --no-audit --no-fund --loglevel=error axe-core@$(AXE_VERSION)

# Debian's own python3 makes virtual environments only with python3-venv (ensurepip);
# other builds of Python (pyenv, python.org, the python images) carry it.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -c "import ensurepip" 2>/dev/null \
	  || $(MAKE) --no-print-directory venv-package
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

demo: install
	@echo "Serving the demo database (TDS test server); the banner below lists the URLs."
	$(BIN)/azsql-mcp serve --demo --transport http --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench examples
	$(BIN)/ruff format --check src tests bench examples

typecheck: install
	$(BIN)/mypy

# Test modules spread over the cores, at most 4 (a module's fixtures, such as its test
# server, stay in one worker); PYTEST_WORKERS= runs them one after another.
PYTEST_WORKERS ?= -n auto --maxprocesses=4 --dist loadfile

# The example plugin is its own project: its tests run from its folder, as its authors would.
pytest: install test-packages
	cd examples/azsql-mcp-hello && ../../$(BIN)/python -m pytest -q
	$(BIN)/python -m pytest -q $(PYTEST_WORKERS)

test: lint typecheck pytest

# pyproject's dependency bounds: lowest and newest versions, each Python in DEPS_PYTHONS
# (tests/dependency_bounds.sh; not part of `make test`, it takes 10-20 minutes a Python).
DEPS_PYTHONS ?= $(PYTHON)
deps-check: system-packages
	bash tests/dependency_bounds.sh $(DEPS_PYTHONS)

# npm from Debian when missing and we are root; otherwise says how.
define ensure_npm
	@command -v npm >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq npm >/dev/null; \
	  else echo "npm is missing: run sudo apt-get install -y npm"; exit 1; fi; }
endef

# The MCP conformance suite's server scenarios against `serve --demo` over HTTP, on
# protocols 2025-11-25 and 2026-07-28 (a 0.2.0 pre-release: 0.1.x has no 2026-07-28).
# Node 22 (npm's node@22 package) and the suite are installed once into a cache folder
# outside the repository, again when CONFORMANCE_VERSION changes; npm itself comes from
# Debian when missing and we are root.
CONFORMANCE_DIR ?= $(HOME)/.cache/azsql-mcp-conformance
CONFORMANCE_VERSION ?= 0.2.0-alpha.12
conformance: install
	$(ensure_npm)
	@grep -qs '"version": "$(CONFORMANCE_VERSION)"' \
	    $(CONFORMANCE_DIR)/node_modules/@modelcontextprotocol/conformance/package.json \
	  && test -x $(CONFORMANCE_DIR)/node_modules/.bin/node \
	  || npm install --prefix $(CONFORMANCE_DIR) --no-audit --no-fund --loglevel=error \
	    node@22 @modelcontextprotocol/conformance@$(CONFORMANCE_VERSION)
	$(BIN)/python tests/conformance/run.py $(CONFORMANCE_DIR)

# The clients most users have against `serve --demo`: the MCP TypeScript SDK (Claude
# Desktop, VS Code, Cursor; 1.x on 2025-11-25 and 2.x on 2026-07-28) and the MCP
# Inspector's CLI, over stdio and streamable HTTP.
# Installed once, with Node 22, into a cache folder outside the repository (as above).
CLIENTS_DIR ?= $(HOME)/.cache/azsql-mcp-clients
CLIENTS_PACKAGES ?= node@22 @modelcontextprotocol/sdk@1 @modelcontextprotocol/client@2 \
  @modelcontextprotocol/inspector@2
clients: install
	$(ensure_npm)
	@test -x $(CLIENTS_DIR)/node_modules/.bin/node \
	  && test -x $(CLIENTS_DIR)/node_modules/.bin/mcp-inspector \
	  && test -d $(CLIENTS_DIR)/node_modules/@modelcontextprotocol/sdk \
	  && test -d $(CLIENTS_DIR)/node_modules/@modelcontextprotocol/client \
	  || npm install --prefix $(CLIENTS_DIR) --no-audit --no-fund --loglevel=error $(CLIENTS_PACKAGES)
	$(BIN)/python tests/clients/run.py $(CLIENTS_DIR)

# The database tests against a real SQL Server or Azure SQL database, as a privileged user
# and (with AZSQL_MCP_TEST_SQLSERVER_READER) a db_datareader one: see docs/project-tests.md.
test-sqlserver: install
	@test -n "$$AZSQL_MCP_TEST_SQLSERVER" || { \
	  echo "set AZSQL_MCP_TEST_SQLSERVER to an ODBC connection string (docs/project-tests.md)"; exit 1; }
	$(BIN)/python -m pytest -q -m sqlserver tests/integration

bench: install
	@for b in bench/[!_]*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) build dist src/*.egg-info
