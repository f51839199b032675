# One task runner. Every target installs what it needs first.
PYTHON ?= python3
TOOLS  := .tools
UV     := $(TOOLS)/bin/uv
VENV   := .venv
RUN    := $(UV) run --frozen
export UV_PROJECT_ENVIRONMENT := $(VENV)

.PHONY: install demo test lint bench serve docs clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet "uv==0.13.8"

$(VENV)/.synced: $(UV) pyproject.toml uv.lock
	@# PDF rendering (WeasyPrint) uses Pango and HarfBuzz from the system.
	@dpkg -s libpango-1.0-0 libharfbuzz-subset0 >/dev/null 2>&1 || \
	  { command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ] && \
	    (apt-get update -qq && apt-get install -y -qq libpango-1.0-0 libpangoft2-1.0-0 \
	      libharfbuzz-subset0 fonts-dejavu-core >/dev/null) ; } || \
	  echo "note: install Pango and HarfBuzz-Subset for PDF reports"
	@# Bytecode is compiled once here: commands then start without compiling what
	@# they import (also where PYTHONDONTWRITEBYTECODE is set).
	$(UV) sync --frozen --quiet --compile-bytecode
	touch $@

install: $(VENV)/.synced
	@$(VENV)/bin/python -m compileall -q src >/dev/null

demo: install
	$(RUN) concord demo

lint: install
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench
	$(RUN) mypy

test: lint
	$(RUN) pytest -q

bench: install
	$(RUN) python -m bench.run $(BENCH_ARGS)

serve: install
	$(RUN) concord serve

docs: install
	$(RUN) pytest -q tests/docs

clean:
	rm -rf $(VENV) $(TOOLS) concord-data concord-data-party-keys .pytest_cache .mypy_cache .ruff_cache
