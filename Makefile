# The README's two commands: `make run` and `make test`.
# Both create .venv when it is missing and (re)install only when pyproject.toml changed.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.installed-run
STAMP_DEV := $(VENV)/.installed-dev
TEST_WORKERS ?= 2  # pytest-xdist processes: the suite takes about 8.5 minutes on 2 cores

.PHONY: run test lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev,onnx]'
	touch $@ $(STAMP_RUN)

run: $(STAMP_RUN)
	$(BIN)/netbuilder $(ARGS)

lint: $(STAMP_DEV)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

test: lint
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest -q -n $(TEST_WORKERS) $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache

# A folder bundle (dist/netbuilder/) that starts without Python. It needs a CPU build of torch:
# the default x86_64 torch wheel is the CUDA build, several GB. TORCH_CPU names the requirement
# that gives the CPU build where you build (here: the CPU wheel of torch 2.13.0 on this disk).
TORCH_CPU ?= torch==2.13.0
BUNDLE_VENV := .bundle-venv

.PHONY: bundle
bundle:
	$(PYTHON) -m venv $(BUNDLE_VENV)
	$(BUNDLE_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(BUNDLE_VENV)/bin/python -m pip install --quiet "$(TORCH_CPU)" pyinstaller
	$(BUNDLE_VENV)/bin/python -m pip install --quiet --no-deps .
	$(BUNDLE_VENV)/bin/python -m pip install --quiet "PySide6-Essentials>=6.6,!=6.12.0" pyqtgraph numpy Pillow \
		platformdirs
	cd packaging && $(abspath $(BUNDLE_VENV))/bin/pyinstaller --noconfirm --distpath ../dist \
		--workpath ../build/pyinstaller netbuilder.spec
	du -sh dist/netbuilder
