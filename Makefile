# Each target creates .venv when missing and installs the project into it.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test bench lint clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/ncmes-archive demo

test: $(VENV)/.installed
	$(BIN)/python -m pytest -q

# The project's bytecode is written first: where PYTHONDONTWRITEBYTECODE is set, every
# process would compile it again as it starts, and the figures would count that.
bench: $(VENV)/.installed
	$(BIN)/python -m compileall -q crawler
	$(BIN)/python bench/incremental.py
	$(BIN)/python bench/scale.py
	$(BIN)/python bench/export.py
	$(BIN)/python bench/search.py
	$(BIN)/python bench/warc_size.py
	$(BIN)/python bench/extraction.py
	$(BIN)/python bench/speed.py --sizes 500,2000
	$(BIN)/python bench/memory.py --sizes 500,2000 --repeat 3
	$(BIN)/python bench/reextract.py --repeat 3
	$(BIN)/python bench/longevity.py
	$(BIN)/python bench/machine.py

lint: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,dev]'
	$(BIN)/ruff check crawler tests bench

clean:
	rm -rf exports/demo exports/archive .pytest_cache
