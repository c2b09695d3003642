# Bridge — `make run` starts the app on the sample company; `make test` runs every check.
# Needs only Python 3.11+ and make: uv (pinned) is bootstrapped into .tools/, the locked
# dependencies into .venv/.

PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8501
UV_VERSION := 0.13.9
SAMPLE := sample_data/sample.sqlite
VENV := .venv
UV := .tools/bin/uv
BIN := $(VENV)/bin

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

.PHONY: help setup setup-spark run sample test lint typecheck pytest system-deps bench clean

help:
	@echo "make run    - set up, create the sample database if missing, start the app on $(HOST):$(PORT)"
	@echo "make test   - set up, install Chromium if missing, then ruff, mypy and the whole pytest suite"
	@echo "make bench  - run the benchmarks under benchmarks/ (PostgreSQL at 10 M events when it answers)"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# Bytecode is compiled at install (libraries and Bridge's own modules): where the environment sets
# PYTHONDONTWRITEBYTECODE, every `bridge` call would otherwise recompile what it imports (~1.6 s).
$(VENV)/.synced: pyproject.toml uv.lock | $(UV)
	$(UV) sync --locked --compile-bytecode --python $(PYTHON)
	@touch $@

setup: $(VENV)/.synced
	@$(BIN)/python -m compileall -q src app.py pages >/dev/null

# The tests also read a Spark cluster they start themselves: the optional `spark` extra (pyspark with
# Spark's jars, ~490 MB; `make run` does not need it). --inexact: a later `make setup` keeps it.
$(VENV)/.synced-spark: $(VENV)/.synced
	$(UV) sync --locked --inexact --extra spark --compile-bytecode --python $(PYTHON)
	@touch $@

setup-spark: $(VENV)/.synced-spark

$(SAMPLE): | setup
	$(BIN)/bridge sample-data --out $(SAMPLE) --if-missing

sample: $(SAMPLE)

# streamlit run app.py, with the measures loaded as the server starts (src/bridge/app/serve.py)
run: setup $(SAMPLE)
	$(BIN)/python -m bridge.app.serve --server.address $(HOST) --server.port $(PORT) \
		--server.headless true --browser.gatherUsageStats false

# Chromium from Debian's packages for the real-browser tests (never a downloaded browser).
system-deps:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Chromium from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "NOTE: Chromium is missing and this is not root: run 'sudo apt-get install chromium';"; \
		echo "      the real-browser tests will be skipped until then."; \
	fi

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup setup-spark
	$(BIN)/mypy src

pytest: setup setup-spark
	$(BIN)/pytest

test: setup system-deps lint typecheck pytest

bench: setup setup-spark
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf .tools $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
