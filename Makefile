# attrib: the two quick-start commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint data model heldout clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

# The main job on bundled sample data: analyse the seed article, then the held-out set's figures.
demo: install
	$(BIN)/attrib analyze data/samples/putin_north_korea_argaam.txt
	@echo
	$(BIN)/python tests/heldout_eval.py --summary

test: install
	$(BIN)/ruff check attrib tests data/build.py
	$(BIN)/python -m pytest -q

lint: install
	$(BIN)/ruff check attrib tests data/build.py
	$(BIN)/ruff format --check attrib tests data/build.py

# data/train.csv from data/sources (seeded, byte-identical).
data: install
	$(BIN)/python data/build.py

# The bundled default model, rebuilt from data/ by the same command users run.
model: install
	$(BIN)/attrib train data/train.csv -o attrib/resources/default.joblib --seed 0

heldout: install
	$(BIN)/python tests/heldout_eval.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
