# yigong: `make demo` builds and runs the whole pipeline on a synthetic county;
# `make test` runs the whole suite. Both install what they need into .venv.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: install system-deps demo test lint lint-imports bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,spark,web]'
	touch $(STAMP)

install: $(STAMP)

system-deps:
	bash scripts/ensure-system-deps.sh

demo: install
	$(VENV)/bin/yigong demo

# pytest exits 5 when it collects no test; that is not a failure of the suite.
test: install system-deps
	$(VENV)/bin/yigong catalog check
	$(VENV)/bin/yigong drg check
	$(VENV)/bin/yigong screen check
	$(VENV)/bin/yigong tasks check
	$(VENV)/bin/lint-imports --config .importlinter
	$(PY) -m pytest -q; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; exit 0; fi; exit $$rc

lint: install
	$(VENV)/bin/ruff check src tests benchmarks

# the import contracts (.importlinter): web ↛ api, services ↛ api/web/access, engines ↛ services
lint-imports: install
	$(VENV)/bin/lint-imports --config .importlinter

bench: install
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info demo-county yigong.duckdb
