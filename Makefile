# Set-up, demo and tests. Everything installs into .venv; torch's CPU wheel goes in
# first so that nothing pulls a multi-gigabyte CUDA build.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# The last mediapipe with the `solutions` API; its wheel pins numpy<2 in its metadata but runs with numpy 2,
# so it goes in with --no-deps after the `parsing` extra has installed its real runtime packages.
MEDIAPIPE_VERSION := 0.10.21

.PHONY: setup setup-parsing demo test clean

setup: $(VENV)/.installed $(VENV)/.parsing-installed

# The landmark parser, identity score and real-photo sample (docs/parsing.md).
setup-parsing: $(VENV)/.parsing-installed

$(VENV)/.parsing-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,parsing]'
	$(BIN)/python -m pip install --quiet --no-deps mediapipe==$(MEDIAPIPE_VERSION)
	touch $@

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
