# Set-up, demo and tests. Everything installs into .venv; torch's CPU wheel goes in
# first so that nothing pulls a multi-gigabyte CUDA build.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: setup
	$(BIN)/maskgan demo --output out/demo

test: setup
	$(BIN)/python -m pytest -q

clean:
	rm -rf $(VENV) out
