# cslib — make targets. `make help` lists them.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.DEFAULT_GOAL := help
.PHONY: help demo test minimums lint format docs sample bench clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-8s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	$(BIN)/python -m ipykernel install --sys-prefix --name cslib --display-name "Python (cslib)" >/dev/null
	@touch $(STAMP)

demo: $(STAMP) ## write the sample operation and run its improvement cycle
	$(BIN)/cslib demo

# --max-worker-restart 0: a crashed test process fails the run at once and is named (with --dist loadfile
# a replaced worker can wait forever)
test: $(STAMP) ## run the linter and the whole test suite
	$(BIN)/ruff check cslib tests benchmarks
	$(BIN)/python -m pytest -n 2 --dist loadfile --max-worker-restart 0

minimums: ## the library tests on the oldest supported versions (.ci/minimums.txt; CI runs it)
	PYTHON=$(PYTHON) .ci/minimums -n 2 --dist loadfile --max-worker-restart 0

lint: $(STAMP) ## ruff check, format check and mypy on the package
	$(BIN)/ruff check cslib tests benchmarks
	$(BIN)/ruff format --check cslib tests benchmarks
	$(BIN)/mypy

format: $(STAMP) ## apply ruff fixes and formatting
	$(BIN)/ruff check --fix cslib tests benchmarks
	$(BIN)/ruff format cslib tests benchmarks

docs: $(STAMP) ## build the documentation site into site/ (warnings are errors); open site/index.html
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

sample: $(STAMP) ## regenerate the committed sample operation in data/sample
	$(BIN)/cslib sample-data --out data/sample

bench: $(STAMP) ## run the benchmarks (1M and 10M tickets; slow)
	$(BIN)/python benchmarks/kpi_bench.py
	$(BIN)/python benchmarks/plan_bench.py
	$(BIN)/python benchmarks/cycle_bench.py

clean: ## remove the virtual environment, caches and reports
	rm -rf $(VENV) .venv-minimums .pytest_cache .ruff_cache reports site
