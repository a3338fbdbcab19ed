# Everything a fresh machine needs (Python 3.11+, pip, make) is installed into .venv by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo national test lint typecheck pytest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/rollout-sim validate scenarios/single_office.toml
	$(BIN)/rollout-sim run scenarios/single_office.toml

# The four national rollout schedules on common random numbers (every applicant simulated: tens of minutes).
national: $(STAMP)
	$(BIN)/rollout-sim compare scenarios/history.toml scenarios/big_bang.toml scenarios/batches_by_inflow.toml \
		scenarios/region_first.toml --replications 2

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest

test: lint typecheck pytest

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
