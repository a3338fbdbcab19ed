# Everything a fresh machine needs (Python 3.11+, pip, make) is installed into .venv by these targets.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo office national test lint typecheck pytest system clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# The main job: the documented history and three alternative schedules on the national default (31 provinces,
# 341 offices with their local ID business), the whole horizon to 2024-07-31, common random numbers, 5
# replications each on the fast engine.
# The comparison's folder also gets its figures and a self-contained report.html, whose path is printed last.
demo: $(STAMP)
	@out=results/demo/$$(date +%Y%m%d-%H%M%S); \
	$(BIN)/rollout-sim compare scenarios/history.toml scenarios/big_bang.toml scenarios/batches_by_inflow.toml \
		scenarios/region_first.toml --replications 5 --out $$out && \
	$(BIN)/rollout-sim plot $$out && \
	$(BIN)/rollout-sim report $$out && \
	echo "open $$out/report.html"

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

# One pytest worker per core; a module's tests stay on one worker (module-scoped fixtures run once).
pytest: $(STAMP) system
	$(BIN)/python -m pytest -n auto --dist loadscope --durations=10

# Debian packages the tests use: chromium renders the HTML report headless, a CJK font draws --names zh. Installed
# when missing and we are root (a fresh machine or CI); otherwise those few tests skip and say why.
SYSTEM_PACKAGES := chromium fonts-wqy-microhei
system:
	@missing=""; for p in $(SYSTEM_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ] && [ "$$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then \
		echo "installing$$missing (Debian)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	elif [ -n "$$missing" ]; then echo "not installed:$$missing (the tests that need them will skip)"; fi

test: lint typecheck pytest

# numba caches a compiled function by its own file only: after editing sim/world/philox.py, `make clean` (or deleting
# the *.nbi / *.nbc files) recompiles the kernels that call it.
clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis
	find sim -name '*.nbi' -delete -o -name '*.nbc' -delete
