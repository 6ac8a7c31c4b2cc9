# Two commands set everything up on a fresh machine with Python 3.10+ and make:
#   make deck   build every decks/*.yaml into dist/
#   make test   lint, format check and the whole test suite (real Anki backend included)
# Installs are pinned by constraints.txt, so a new release upstream cannot break them.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip --disable-pip-version-check -q
# Relative, not $(CURDIR)/...: pip splits PIP_CONSTRAINT at spaces, so an absolute path
# breaks in a folder such as "~/my projects/prepdeck". Recipes run in this folder.
export PIP_CONSTRAINT := constraints.txt

.PHONY: deck test lint format lock bench screenshots clean

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

# The speed and size figures in the README (several minutes at 100,000 questions).
bench: $(VENV)/.installed
	$(BIN)/python benchmarks/bench.py

# Phone-size card images from the browser tests; three of them illustrate the README, and the
# page `prepdeck share` serves (from its own test).
screenshots: $(VENV)/.installed-test
	$(BIN)/python -m pytest -q tests/test_browser.py
	mkdir -p docs
	cp build/screenshots/light/unhappy-user-back.png docs/card-light.png
	cp build/screenshots/night/unhappy-user-back.png docs/card-night.png
	cp build/screenshots/light/arabic-labels-back.png docs/card-rtl.png
	$(BIN)/python -m pytest -q tests/test_share.py -k page_fits
	cp build/screenshots/share-page.png docs/share-page.png

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache .hypothesis

# Re-pin every dependency to the newest release that installs, in a scratch venv.
lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	env -u PIP_CONSTRAINT .lock-venv/bin/python -m pip -q install --upgrade setuptools wheel
	env -u PIP_CONSTRAINT .lock-venv/bin/python -m pip -q install -e '.[test]'
	{ echo "# Pinned versions for every install (make sets PIP_CONSTRAINT to this file)."; \
	  echo "# Regenerate with: make lock   (then run make test and commit the result)"; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v '^pip=='; } > constraints.txt
	rm -rf .lock-venv
