# Set-up, demo and tests. Everything installs into .venv; torch goes in first, as the build TORCH names,
# so that the project's `torch>=2.1` finds it there instead of pulling PyPI's CUDA build (docs/setup.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

# TORCH: cpu (the default) or one of PyTorch's CUDA/ROCm variants of this release, such as cu130.
# A venv keeps the build it was made with; changing it takes `make clean` first.
TORCH_VERSION := 2.13.0
TORCH_INDEX := https://download.pytorch.org/whl
TORCH_BUILT := $(patsubst $(VENV)/.torch-%,%,$(wildcard $(VENV)/.torch-*))
TORCH ?= $(or $(TORCH_BUILT),cpu)
TORCH_REQUIREMENT := torch==$(TORCH_VERSION)+$(TORCH)

# The last mediapipe with the `solutions` API; its wheel pins numpy<2 in its metadata but runs with numpy 2,
# so it goes in with --no-deps after the `parsing` extra has installed its real runtime packages.
MEDIAPIPE_VERSION := 0.10.21

.PHONY: setup setup-parsing demo test format clean

setup: $(VENV)/.installed $(VENV)/.parsing-installed

# The landmark parser, identity score and real-photo sample (docs/parsing.md).
setup-parsing: $(VENV)/.parsing-installed

$(VENV)/.parsing-installed: $(VENV)/.installed pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test,parsing]'
	$(BIN)/python -m pip install --quiet --no-deps mediapipe==$(MEDIAPIPE_VERSION)
	touch $@

$(VENV)/.installed: $(VENV)/.torch-$(TORCH) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The build from wherever pip is already configured to look (a wheel folder, a mirror) when it is there:
# that fails within a second on a plain machine, whereas naming PyTorch's index where it is unreachable
# costs over a minute of retries. Otherwise PyTorch's index for the build, the one that pytorch.org gives.
$(VENV)/.torch-$(TORCH):
	@if [ -n "$(TORCH_BUILT)" ]; then \
	  echo "$(VENV) has torch's $(TORCH_BUILT) build; for $(TORCH): make clean && make setup TORCH=$(TORCH)" >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet $(TORCH_REQUIREMENT) 2>/dev/null || { \
	  echo "$(TORCH_REQUIREMENT) is not where pip looks; taking it from $(TORCH_INDEX)/$(TORCH)"; \
	  $(BIN)/python -m pip install --quiet --index-url $(TORCH_INDEX)/$(TORCH) $(TORCH_REQUIREMENT); }
	touch $@

demo: setup
	$(BIN)/maskgan demo --output out/demo

# The code's form first (a second each): ruff's formatter and linter, configured in pyproject.toml.
test: setup
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/python -m pytest -q

# Rewrites the code into the form `make test` checks.
format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) out
