# Two commands on a fresh machine with only python3 ≥ 3.11: `make run` and `make test`.
# Both install through requirements.lock (exact versions the suite passed with) and install again
# when pyproject.toml or the lock changes. `make lock` rewrites the lock from the current venv.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTHON ?= python3
HOST ?= 127.0.0.1
PORT ?= 8000
LOCK := requirements.lock
PIP_INSTALL := $(PY) -m pip install -q -c $(LOCK)

.PHONY: run test lint bench install install-test lock clean

$(VENV)/.python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "chainrule needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) -V 2>&1)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	touch $@

$(VENV)/.installed: pyproject.toml $(LOCK) | $(VENV)/.python
	$(PIP_INSTALL) -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP_INSTALL) -e '.[test]'
	touch $@

$(VENV)/.installed-bench: $(VENV)/.installed-test
	$(PIP_INSTALL) -e '.[test,bench]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(VENV)/bin/chainrule serve --host $(HOST) --port $(PORT)

# The suite on every CPU (pytest-xdist; a file's tests stay on one worker, which keeps its
# module fixtures); TEST_WORKERS=0 runs it in this process alone.
TEST_WORKERS ?= auto
test: install-test
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

lint: install-test
	$(VENV)/bin/ruff check engine app tests benchmarks deploy
	$(VENV)/bin/ruff format --check engine app tests benchmarks deploy

bench: $(VENV)/.installed-bench
	$(PY) -m benchmarks

# What chainrule[test,bench] needs, resolved by pip at the versions installed now (a dry run:
# nothing changes in the venv), written as exact pins. Run it after upgrading and a green `make test`.
lock: $(VENV)/.installed-bench
	$(PY) -m pip freeze --exclude-editable > $(VENV)/freeze.txt
	$(PY) -m pip install -q --dry-run --ignore-installed --report $(VENV)/lock-report.json \
		-c $(VENV)/freeze.txt -e '.[test,bench]'
	$(PY) -c 'import json, sys; r = json.load(open(sys.argv[1])); \
		pins = sorted((i["metadata"]["name"].lower(), i["metadata"]["version"]) for i in r["install"]); \
		print("# Exact versions `make test` passed with (Python 3.11, Linux x86-64): pip constraints for"); \
		print("# chainrule[test,bench] and everything they pull in. `make lock` rewrites it from the venv."); \
		print("".join(f"{n}=={v}\n" for n, v in pins if n != "chainrule"), end="")' \
		$(VENV)/lock-report.json > $(LOCK)

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
