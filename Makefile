# qabot: `make run` starts the bot, `make test` runs every check, `make test-fast` the quick
# ones (all but tests marked slow; under a minute on two cores). All set up .venv first:
# `make run` installs what the bot needs (the library with its telegram and ingest extras),
# the test targets every extra and the test tools (the dev extra).
PYTHON    ?= python3
VENV      := .venv
BIN       := $(VENV)/bin
RUN_STAMP := $(VENV)/.installed-run
DEV_STAMP := $(VENV)/.installed-dev

.PHONY: run test test-fast setup clean

run: $(RUN_STAMP)
	$(BIN)/python bot.py

test: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy qabot bot.py
	$(BIN)/python -m pytest -n 2 --dist loadfile

test-fast: $(DEV_STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy qabot bot.py
	$(BIN)/python -m pytest -m "not slow"

setup: $(DEV_STAMP)

$(RUN_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[telegram,ingest]"
	touch $(RUN_STAMP)

$(DEV_STAMP): $(RUN_STAMP)
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(DEV_STAMP)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache corpus/.qabot-index corpus/.qabot-cluster \
		qabot.egg-info
