# Two commands set everything up on a fresh machine with Python 3.10+ and make:
#   make deck   build every decks/*.yaml into dist/
#   make test   lint, format check and the whole test suite (real Anki backend included)
# and three more check what a newcomer and an older Anki see (CI runs them all):
#   make docs        the documentation site, into site/: fails on a broken link or page
#   make compat      the packages in the oldest and the newest Anki backend
#   make quickstart  the README's Quick start, run literally in a fresh clone
# Installs are pinned by constraints.txt, so a new release upstream cannot break them.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# Relative, not $(CURDIR)/...: pip splits PIP_CONSTRAINT at spaces, so an absolute path
# breaks in a folder such as "~/my projects/prepdeck". Recipes run in this folder.
export PIP_CONSTRAINT := constraints.txt

.PHONY: deck test lint format lock bench screenshots clean
.PHONY: docs compat quickstart readme-images real-anki

deck: $(VENV)/.installed
	$(BIN)/prepdeck build

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-test
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install setuptools wheel
	$(PIP) install --no-build-isolation -e .
	touch $@

# Anki's desktop package, for the MathJax set-up and bundle its reviewer uses (the card-safety
# tests typeset cards with them). Its dependencies are Qt, which the tests do not need.
AQT_VERSION := 26.9.3

$(VENV)/.installed-test: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install setuptools wheel
	$(PIP) install --no-build-isolation -e '.[test]'
	$(PIP) install --no-deps aqt==$(AQT_VERSION)
	touch $@ $(VENV)/.installed

# The documentation site. --strict turns mkdocs' warnings into failures: a link to a missing
# page or anchor, and a page in docs/ left out of mkdocs.yml's nav (validation: in mkdocs.yml).
docs: $(VENV)/.installed-docs
	$(BIN)/python scripts/docs_help.py --check
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict

$(VENV)/.installed-docs: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) install setuptools wheel
	$(PIP) install --no-build-isolation -e '.[docs]'
	touch $@ $(VENV)/.installed

# The oldest `anki` backend that installs on Python 3.11 (2.1.24 to 2.1.35 need an ankirspy
# wheel built for 3.8 only), in a virtualenv of its own; the newest is the test extra's, in
# .venv. The old backend needs the protobuf of its day: its venv has pins of its own.
COMPAT_OLDEST := 2.1.36
COMPAT := build/compat/anki-$(COMPAT_OLDEST)

compat: $(VENV)/.installed-test $(COMPAT)/.installed
	PREPDECK_COMPAT_PYTHONS="$(COMPAT)/bin/python $(BIN)/python" \
	  $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_compat.py

build/compat/anki-%/.installed: tests/compat-constraints-%.txt
	rm -rf build/compat/anki-$*
	$(PYTHON) -m venv build/compat/anki-$*
	PIP_CONSTRAINT=tests/compat-constraints-$*.txt build/compat/anki-$*/bin/python -m pip \
	  --disable-pip-version-check -q install anki==$*
	touch $@

# Clones this repository at HEAD into a folder named with a space and a non-ASCII letter and
# runs the README's Quick start there, literally, with no project virtualenv on the PATH.
# Not in `make test`: it installs a virtualenv from scratch (about a minute with pip's cache).
quickstart: $(VENV)/.installed-test
	PREPDECK_QUICKSTART=1 $(BIN)/python -m pytest -q -p no:cacheprovider tests/test_quickstart.py

# prepdeck push against real Anki desktop (aqt from PyPI, offscreen, in a throwaway base
# folder) and the real AnkiConnect add-on, which is on no registry: give its plugin folder,
#   make real-anki ANKICONNECT_DIR=/path/to/anki-connect/plugin
# By hand, not in CI or `make test`; skipped without ANKICONNECT_DIR. Needs Qt's libraries.
REAL_ANKI := build/real-anki

real-anki: $(VENV)/.installed
	@if [ -z "$(ANKICONNECT_DIR)" ]; then \
	  echo "real-anki: skipped (set ANKICONNECT_DIR to AnkiConnect's plugin folder)"; \
	else \
	  $(MAKE) --no-print-directory $(REAL_ANKI)/.installed && \
	  ANKICONNECT_DIR="$(ANKICONNECT_DIR)" PREPDECK=$(BIN)/prepdeck \
	    $(REAL_ANKI)/bin/python scripts/real_anki_check.py; \
	fi

$(REAL_ANKI)/.installed: constraints.txt
	rm -rf $(REAL_ANKI)
	$(PYTHON) -m venv $(REAL_ANKI)
	$(REAL_ANKI)/bin/python -m pip --disable-pip-version-check -q install \
	  "aqt==$$(sed -n 's/^anki==//p' constraints.txt)" PyQt6 PyQt6-WebEngine
	touch $@

# The speed and size figures in the README (several minutes at 100,000 questions).
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

# Phone-size card images from the browser tests, and the page `prepdeck share` serves, into
# build/screenshots/ (never a tracked file: another machine's fonts draw other pixels). Four of
# them illustrate the README; `make readme-images` copies them into docs/, deliberately.
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q tests/test_browser.py
	$(BIN)/python -m pytest -q tests/test_share.py -k page_fits
	@echo "card images in build/screenshots/; make readme-images puts three in docs/"

readme-images: screenshots
	cp build/screenshots/light/unhappy-user-back.png docs/card-light.png
	cp build/screenshots/night/unhappy-user-back.png docs/card-night.png
	cp build/screenshots/light/arabic-labels-back.png docs/card-rtl.png
	cp build/screenshots/share-page.png docs/share-page.png

clean:
	rm -rf $(VENV) dist build site .pytest_cache .ruff_cache .hypothesis

# Re-pin every dependency to the newest release that installs, in a scratch venv.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	env -u PIP_CONSTRAINT .lock-venv/bin/python -m pip -q install --upgrade setuptools wheel
	env -u PIP_CONSTRAINT .lock-venv/bin/python -m pip -q install -e '.[test]'
	{ echo "# Pinned versions for every install (make sets PIP_CONSTRAINT to this file)."; \
	  echo "# Regenerate with: make lock   (then run make test and commit the result)"; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v '^pip=='; } > constraints.txt
	rm -rf .lock-venv
