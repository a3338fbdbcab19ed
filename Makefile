# Everything a fresh machine needs (Python 3.11+, pip, make) is installed into .venv by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo office national test lint typecheck pytest clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: the documented history and three alternative schedules on the national default (31 provinces,
# 341 offices with their local ID business), the whole horizon to 2024-07-31, common random numbers, 5
# replications each on the fast engine.
demo: $(STAMP)
	$(BIN)/rollout-sim compare scenarios/history.toml scenarios/big_bang.toml scenarios/batches_by_inflow.toml \
		scenarios/region_first.toml --replications 5

# One city office, checked against Erlang C at its busiest hour (seconds).
office: $(STAMP)
	$(BIN)/rollout-sim validate scenarios/single_office.toml
	$(BIN)/rollout-sim run scenarios/single_office.toml

# The four national schedules over the whole horizon, 20 replications each (about half an hour on 2 cores).
national: $(STAMP)
	$(BIN)/rollout-sim compare scenarios/history.toml scenarios/big_bang.toml scenarios/batches_by_inflow.toml \
		scenarios/region_first.toml --replications 20

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
