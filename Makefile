# The two commands of the README. Both install into .venv first (again only when pyproject.toml changes).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: shell test check bench install

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

install: $(BIN)/.installed

shell: $(BIN)/.installed
	$(BIN)/madoguchi shell

# lint, format and types first: they take seconds and say exactly where
check: $(BIN)/.installed
	$(BIN)/ruff check bot handlers
	$(BIN)/ruff format --check bot handlers
	$(BIN)/mypy
	$(BIN)/madoguchi kb check

test: check
	$(BIN)/python -m pytest -q

bench: $(BIN)/.installed
	$(BIN)/python bench/run_all.py
