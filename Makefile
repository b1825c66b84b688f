# Two commands: `make demo` (main job on the bundled CDNOW data) and `make test` (whole suite).
# `make browser-check` renders the demo report in headless Chromium (not part of `make test`).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test bench docs clean browser-check

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

demo: $(VENV)/.installed-run
	$(BIN)/python -m custvalue report --output custvalue-report --force

# Needs the Debian package `chromium` (apt-get install -y chromium). Fails on console errors,
# images that did not load or any network request; saves custvalue-report/report.png.
browser-check: demo
	$(BIN)/python tools/browser_check.py custvalue-report/report.html --screenshot custvalue-report/report.png

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -n 2 -q

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.run

clean:
	rm -rf $(VENV) custvalue-report .pytest_cache .hypothesis

docs: $(VENV)/.installed-test
	$(BIN)/python -m sphinx -W --keep-going -b html docs docs/_build/html
