# `make demo` and `make test` set up everything they need on a fresh machine.
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install demo test check bench clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

demo: install
	$(VENV)/bin/openccc-tui demo --dir .demo

# In parallel, one worker per core (pytest-xdist); each worker has its own SQLite files and
# PostgreSQL schema. Work stealing keeps both cores busy until the last slow test ends.
test: install
	$(PYTHON) -m pytest -n auto --dist worksteal

# Lint, format, types and the import layers: what .ci/run and the pre-commit hooks run.
check: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports

bench: install
	$(PYTHON) bench/startup.py
	$(PYTHON) bench/sign_in.py
	$(PYTHON) bench/password_check.py
	$(PYTHON) bench/bulk_import.py
	$(PYTHON) bench/import_under_sign_in.py

clean:
	rm -rf $(VENV) .demo .pytest_cache build dist *.egg-info
