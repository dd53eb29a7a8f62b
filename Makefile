# attrib: the two quick-start commands are `make demo` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install lint sanitize data model check-model heldout bench bench-quick clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstalling also rebuilds the compiled feature steps when their source changed.
$(STAMP): $(BIN)/python pyproject.toml attrib/_speedups.c
	$(BIN)/python -m pip install --quiet -e '.[test,fast]'
	touch $(STAMP)

install: $(STAMP)

# The main job on bundled sample data: analyse the seed article, score a sample CSV of articles,
# and print the held-out set's figures.
demo: install
	$(BIN)/attrib analyze data/samples/putin_north_korea_argaam.txt
	@echo
	mkdir -p build
	$(BIN)/attrib score data/samples/articles.csv -o build/articles.scored.csv
	$(BIN)/python -c "import pandas as pd; print(pd.read_csv('build/articles.scored.csv', keep_default_na=False)[['id', 'attrib_language', 'attrib_is_syndicated', 'attrib_source_domain', 'attrib_source_name']].to_string(index=False))"
	@echo
	$(BIN)/python tests/heldout_eval.py --summary

# One test process per core (pytest-xdist), each taking whole files.
test: install
	$(BIN)/ruff check attrib tests data/build.py benchmarks
	$(BIN)/python -m pytest -q -n auto --dist loadfile

# The compiled feature steps built with AddressSanitizer and UBSan (any report fails the run), in
# a copy of the package under build/, and run through their tests and the detector's.
SAN := build/sanitize
sanitize: install
	rm -rf $(SAN) && mkdir -p $(SAN) && cp -r attrib $(SAN)/
	gcc -shared -fPIC -O1 -g -fno-omit-frame-pointer -ffp-contract=off \
		-fsanitize=address,undefined -fno-sanitize-recover=undefined \
		-I"$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_paths()["include"])')" \
		attrib/_speedups.c -o "$(SAN)/attrib/_speedups$$($(BIN)/python -c 'import sysconfig; print(sysconfig.get_config_var("EXT_SUFFIX"))')"
	ASAN_OPTIONS=detect_leaks=0 LD_PRELOAD="$$(gcc -print-file-name=libasan.so) $$(gcc -print-file-name=libubsan.so)" \
		PYTHONPATH=$(SAN) $(BIN)/python -P -m pytest -q tests/test_speedups.py tests/test_detector.py \
		tests/test_segment.py tests/test_sanitized.py tests/test_features.py \
		tests/test_langdetect_compiled.py

lint: install
	$(BIN)/ruff check attrib tests data/build.py benchmarks
	$(BIN)/ruff format --check attrib tests data/build.py benchmarks

# data/train.csv from data/sources (seeded, byte-identical).
data: install
	$(BIN)/python data/build.py

# The bundled default model, rebuilt from data/ by the same command users run.
model: install
	$(BIN)/attrib train data/train.csv -o attrib/resources/default.joblib --seed 0

# The bundled model against a fit of data/ in full (4-5 minutes): make test checks it in seconds
# (tests/test_default_model.py says how).
check-model: install
	ATTRIB_FULL_REBUILD=1 $(BIN)/python -m pytest -q tests/test_default_model.py

heldout: install
	$(BIN)/python tests/heldout_eval.py

# Speed and memory: figures, not pass/fail (targets in the README's Performance section).
bench: install
	$(BIN)/python benchmarks/run.py

bench-quick: install
	$(BIN)/python benchmarks/run.py --quick

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache
