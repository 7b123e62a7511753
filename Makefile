# make lab · make test · make portability · make regen · make bench · make browser-test · make book
# Every target creates .venv when it is missing; re-running one installs nothing new.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-test-lab
BROWSER_STAMP := $(VENV)/.installed-browser
BOOK_STAMP := $(VENV)/.installed-book
NOTEBOOKS ?= $(sort $(wildcard notebooks/[0-9]*.ipynb))
NBVAL_FLAGS := --nbval --nbval-current-env --nbval-cell-timeout=900 \
               --nbval-sanitize-with tests/nbval_sanitize.cfg
LAB_PORT ?= 8888
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: help install lab test lint unit nbval portability regen bench browser-test format student clean
.PHONY: book binder-check

help:
	@echo "make lab           set up .venv and open JupyterLab on notebooks/ (127.0.0.1:$(LAB_PORT))"
	@echo "make test          set up .venv, then ruff, the unit tests and nbval over every notebook"
	@echo "make portability   strict nbval again under other CPU kernels and one thread (what another CPU computes)"
	@echo "make regen         re-execute the notebooks in place (NOTEBOOKS=notebooks/01_….ipynb for one)"
	@echo "make bench         run the benchmarks; prints tables, writes benchmarks/results.md"
	@echo "make browser-test  run every notebook in JupyterLab in headless Chromium"
	@echo "make student       write the student edition: build/student/, the notebooks without their solutions"
	@echo "make book          the static book of the stored notebooks (no execution) in _build/html/"
	@echo "make binder-check  the Binder build as repo2docker writes it (no Docker; make test runs it too)"

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# torch is pinned in constraints.txt (torch==2.13.0): an unpinned torch pulls a multi-GB CUDA build on Linux.
$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,lab]"
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
	$(BIN)/python -c "import matplotlib.pyplot"   # build the font cache once, not inside the first test
	touch $@

install: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.port=$(LAB_PORT) \
	    --ServerApp.root_dir=notebooks $(ROOT_FLAG) $(LAB_ARGS)

# actionlint checks the GitHub workflow (it cannot run here); -shellcheck= -pyflakes= switch off the external
# checkers it would use if installed, so the result is the same on every machine.
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/actionlint -shellcheck= -pyflakes= .github/workflows/*.yml
	$(BIN)/oxlint -c labdriver/oxlintrc.json --deny-warnings labdriver/

unit: student
	$(BIN)/python -m pytest tests --ignore=tests/browser

nbval: $(STAMP)
	$(BIN)/python -m pytest $(NBVAL_FLAGS) $(NOTEBOOKS)

# One pytest run: unit tests and every notebook cell, one closing line; the student edition's cells too.
test: lint student
	$(BIN)/python -m pytest tests --ignore=tests/browser \
	    $(if $(NOTEBOOKS),$(NBVAL_FLAGS) $(NOTEBOOKS) $(patsubst notebooks/%,$(STUDENT_DIR)/%,$(NOTEBOOKS)),)

# The student edition: every notebook without its worked solutions (the cells tagged solution), outputs kept.
# TagRemovePreprocessor does nothing unless enabled; tests/test_student_edition.py checks the result.
STUDENT_DIR := build/student

student: $(STAMP)
	rm -rf $(STUDENT_DIR)
	$(BIN)/jupyter nbconvert --to notebook --log-level=WARN --output-dir $(STUDENT_DIR) \
	    --TagRemovePreprocessor.enabled=True --TagRemovePreprocessor.remove_cell_tags solution \
	    $(sort $(wildcard notebooks/[0-9]*.ipynb))

# The stored outputs must hold on any CPU. Each run re-executes every notebook against the same stored outputs:
#   ATEN_CPU_CAPABILITY=default  torch's portable kernels, as on a CPU without AVX2 (no SIMD exp/sigmoid/sum)
#   ATEN_CPU_CAPABILITY=avx2     the AVX2 kernels, as on most CI runners (x86-64 only; here AVX-512 is the default)
#   OMP_NUM_THREADS=1            one thread: reductions and matmuls split differently than on two or more cores
PORTABILITY_RUNS ?= ATEN_CPU_CAPABILITY=default OMP_NUM_THREADS=1 \
                    $(if $(filter x86_64 amd64,$(shell uname -m)),ATEN_CPU_CAPABILITY=avx2,)

portability: $(STAMP)
	@set -e; for run in $(PORTABILITY_RUNS); do \
	    echo "== strict nbval with $$run"; \
	    env $$run $(BIN)/python -m pytest -q $(NBVAL_FLAGS) $(NOTEBOOKS); \
	done

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

regen: $(STAMP)
	$(BIN)/python tests/regen.py $(NOTEBOOKS)

bench: $(STAMP) $(BROWSER_STAMP)
	$(BIN)/python -m benchmarks.run

$(BROWSER_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,lab,browser]"
	@test -n "$$CHROMIUM" || test -x /usr/bin/chromium || $(MAKE) --no-print-directory chromium
	touch $@

.PHONY: chromium
chromium:
	@if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
	    echo "Chromium is missing at /usr/bin/chromium. Install it with:  sudo apt-get install chromium"; \
	    echo "(or set CHROMIUM=/path/to/chrome when running make browser-test)"; exit 1; \
	fi

browser-test: $(BROWSER_STAMP)
	$(BIN)/python -m pytest tests/browser -m browser

# The static book: the stored notebooks with their outputs, nothing executed; -W -n (warnings are errors).
# book/build.py stages them into build/book/ (solution cells folded) and runs jupyter-book.
$(BOOK_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e ".[test,lab,book]"
	touch $@

book: $(BOOK_STAMP)
	$(BIN)/python book/build.py

# What Binder would build from binder/: `repo2docker --no-build --debug .` (no Docker needed), read by the test.
binder-check: $(STAMP)
	$(BIN)/python -m pytest -q tests/test_binder.py

clean:
	rm -rf $(VENV) build _build *.egg-info screenshots benchmarks/.work
