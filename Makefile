# Two commands: `make report` renders the book, `make test` runs every test.
# Each creates .venv and installs the pinned dependencies when needed.
#   make report EXTRACT=/path/to/extract   renders the book from a real extract
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
SYNTHETIC := data/synthetic
EXTRACT ?= $(SYNTHETIC)
BUILD ?= _build
OUT ?= _book

.PHONY: report test install lock extract synthetic lint unit notebooks golden quarto benchmark benchmark-scale clean

report: $(INSTALLED) extract
	$(BIN)/python -m helpers book --extract "$(EXTRACT)" --build "$(BUILD)" --out "$(OUT)"

test: lint unit notebooks

# ruff on the code, the tests and the notebooks; import-linter on the flow of imports
# (pyproject.toml: [tool.ruff], [tool.importlinter]).
lint: $(INSTALLED)
	$(BIN)/ruff check helpers tests benchmarks report
	$(BIN)/lint-imports --no-cache

unit: $(INSTALLED)
	$(BIN)/python -m pytest tests -q

# Execute the chapters on the synthetic extract, then let nbval re-run them and compare,
# with the kernels' hash seed the build uses (helpers.build.KERNEL_HASH_SEED).
notebooks: $(INSTALLED) synthetic
	$(BIN)/python -m helpers book --extract "$(SYNTHETIC)" --build "$(BUILD)" --execute-only
	PYTHONHASHSEED=0 $(BIN)/python -m pytest --nbval -q -p no:cacheprovider \
	  --nbval-sanitize-with report/nbval_sanitize.cfg \
	  $$(find "$(BUILD)/book/report" -name '*.ipynb' | sort)

# Refresh the golden tables (tests/golden/) on purpose, after a change meant to move numbers.
golden: $(INSTALLED)
	$(BIN)/python tests/golden/make_golden.py

# Render with Quarto where it is installed (1.9 or newer).
quarto: $(INSTALLED) extract
	$(BIN)/python -m helpers book --extract "$(EXTRACT)" --build "$(BUILD)" --out "$(OUT)" --engine quarto

install: $(INSTALLED)

# Re-resolve requirements.txt into requirements.lock (run after changing requirements.txt):
# a fresh virtual environment gets the newest releases, and the lock records them.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --disable-pip-version-check -r requirements.txt
	.venv-lock/bin/python -m pip freeze --disable-pip-version-check --all --exclude-editable \
	  | grep -v -E '^(pip|wheel)==' > requirements.lock.tmp
	mv requirements.lock.tmp requirements.lock
	rm -rf .venv-lock

$(INSTALLED): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $@

# The synthetic extract is generated on first use and again whenever the generator or its
# parameters change (e.g. after `python -m helpers calibrate`); a real extract is never written to.
extract:
	@if [ "$(EXTRACT)" = "$(SYNTHETIC)" ]; then $(MAKE) --no-print-directory synthetic; \
	elif [ ! -f "$(EXTRACT)/uttrekk.json" ]; then \
	  echo "Fant ikke uttrekket: $(EXTRACT)/uttrekk.json mangler (se README, 'Data')." >&2; exit 2; fi

synthetic: $(SYNTHETIC)/uttrekk.json

$(SYNTHETIC)/uttrekk.json: $(wildcard helpers/synth/*.py) helpers/synth/parameters.yaml | $(INSTALLED)
	$(BIN)/python -m helpers synth $(SYNTHETIC)

benchmark: $(INSTALLED)
	$(BIN)/python benchmarks/run.py

# How the extract, the frame and the book grow with scale (1, 10, 40; about 15 minutes).
benchmark-scale: $(INSTALLED)
	$(BIN)/python benchmarks/scale.py

clean:
	rm -rf $(BUILD) $(OUT)
