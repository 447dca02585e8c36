# spiegelkit: every target builds or updates the local virtual environment itself.
# Only Python 3.11+ and make are assumed.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.spiegelkit-installed
JOBS   ?= 2
PARAMS ?=
USER_ID ?= $(shell id -u)
# JupyterLab refuses to start as root (common in containers) unless told it may
LAB_FLAGS := --ServerApp.root_dir=. --LabApp.default_url=/lab/tree/notebooks $(if $(filter 0,$(USER_ID)),--allow-root)

.DEFAULT_GOAL := help
.PHONY: help env browser handouts pdfs test test-fast lab check demo-data notebooks clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "spiegelkit needs Python 3.11 or newer: run make with PYTHON=python3.11 (or newer)")'
	@echo "Setting up spiegelkit in $(VENV) (the first time takes a few minutes)..."
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test,bench]"
	@touch $@

env: $(STAMP) ## Create or update the virtual environment in .venv

handouts: $(STAMP) ## Check every group in params/ and make its handout in outputs/<group id>/
	$(BIN)/spiegelkit run --jobs $(JOBS) $(PARAMS)

pdfs: $(STAMP) ## Like handouts, and print every handout and verslag to PDF (needs Chromium: make browser)
	$(BIN)/spiegelkit run --pdf --jobs $(JOBS) $(PARAMS)

check: $(STAMP) ## Validate params, data and catalogue without running any notebook
	$(BIN)/spiegelkit check $(PARAMS)

browser: ## Install Debian's chromium for the browser tests when missing
	@tests/support/install-chromium.sh

test: $(STAMP) browser ## Run the test suite (installs chromium for the browser tests if needed)
	$(BIN)/python -m pytest

test-fast: $(STAMP) ## Only the fast layer: in-process tests on small data (no kernels, no browser)
	$(BIN)/python -m pytest -m "not e2e"

lab: $(STAMP) ## Open JupyterLab at the project root, showing notebooks/ first (outputs/ is one folder up)
	$(BIN)/jupyter lab $(LAB_FLAGS)

notebooks: $(STAMP) ## Bring notebooks/*.ipynb and their text twins notebooks/*.py in step (the newer wins)
	$(BIN)/jupytext --sync notebooks/*.ipynb

demo-data: $(STAMP) ## Regenerate the bundled demo data (deterministic)
	$(BIN)/spiegelkit demo-data --no-params --out spiegelkit/data/demo

clean: ## Remove generated outputs (keeps the environment)
	find outputs -mindepth 1 ! -name README.md -exec rm -rf {} +
