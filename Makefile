# The two set-up commands: `make demo` and `make test`. Everything else is a step of those.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo serve-demo test lint format services bench bench-api bench-web clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/inboxsync demo

# The web page over the demo's database (`make demo` first), on http://127.0.0.1:8000/.
serve-demo: $(STAMP)
	$(VENV)/bin/inboxsync --db sqlite:///demo-data/demo.db serve

services:
	bash scripts/install-test-services.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

test: $(STAMP) services lint
	$(VENV)/bin/pytest

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

bench: $(STAMP)
	$(PY) bench/ingest.py

bench-api: $(STAMP)
	$(PY) bench/api.py

bench-web: $(STAMP)
	$(PY) bench/web.py

clean:
	rm -rf $(VENV) demo-data *.egg-info
