# Two commands on a fresh machine (Python 3.11+ and access to PyPI):
#   make run    set up .venv and run the pipeline on the offline default config
#   make test   set up .venv and run the linters and the tests
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# The tested set (every package, pinned); pyproject.toml has only ranges.
CONSTRAINTS := constraints.txt
# The CPU build of torch is installed first: a looser request pulls a multi-GB CUDA build.
TORCH := $(shell grep '^torch==' $(CONSTRAINTS))
CORES ?= all
SNAKEMAKE_ARGS ?=

.PHONY: run test lint docs pytest dryrun clean

run: $(STAMP)
	$(BIN)/snakemake --cores $(CORES) $(SNAKEMAKE_ARGS)

test: lint docs pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/snakefmt --check .
	$(BIN)/snakemake --lint

# The documentation site (docs/, mkdocs.yml) into site/; --strict: a broken link, a missing page
# or an API docstring that cannot be rendered fails it.
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

pytest: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

$(STAMP): pyproject.toml $(CONSTRAINTS)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hullgen needs Python 3.11 or newer; set PYTHON=python3.11 (found " + sys.version.split()[0] + ")")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) '$(TORCH)'
	$(BIN)/python -m pip install --quiet --constraint $(CONSTRAINTS) -e '.[dev]'
	# Compile the hull solver's numba code once; it is cached next to its source.
	$(BIN)/python -c 'from hullgen.hull.workers import warm_up; warm_up()'
	touch $(STAMP)

clean:
	rm -rf results/*/ .snakemake
