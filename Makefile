# Newsroom: `make run` brings up the desk, `make test` runs the whole suite.
PYTHON ?= $(shell for p in python3.13 python3.12 python3.11 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null && { echo $$p; break; }; done)
VENV := .venv
PY := $(VENV)/bin/python

.PHONY: run test lint bench venv browser clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Newsroom needs Python 3.11 or newer; none was found on PATH." >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

venv: $(VENV)/.installed

browser:
	@scripts/ensure-chromium

# In the background (`make run &`) make ignores SIGINT, as the shell started it; `kill` (SIGTERM) to make's
# pid reaches the launcher, and so does any signal to the launcher's pid, which its banner prints.
run: venv
	$(PY) manage.py rundesk

test: venv browser lint
	$(PY) -m pytest $(PYTEST_ARGS)

lint: venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

bench: venv
	$(PY) -m bench.run

clean:
	rm -rf $(VENV) var
