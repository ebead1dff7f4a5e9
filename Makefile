# `make demo` and `make test` set up everything they need on a fresh machine.
VENV := .venv
PYTHON := $(VENV)/bin/python
INSTALLED := $(VENV)/.installed

.PHONY: install demo test bench clean

install: $(INSTALLED)

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $(INSTALLED)

demo: install
	$(VENV)/bin/openccc-tui demo --dir .demo

test: install
	$(PYTHON) -m pytest

bench: install
	$(PYTHON) bench/startup.py
	$(PYTHON) bench/sign_in.py
	$(PYTHON) bench/bulk_import.py
	$(PYTHON) bench/import_under_sign_in.py

clean:
	rm -rf $(VENV) .demo .pytest_cache build dist *.egg-info
