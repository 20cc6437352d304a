# Quick start: `make lab` (install, write the demo data, open JupyterLab) and `make test` (install, run every test).
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STAMP := $(VENV)/.installed
PORT ?= 8888

.PHONY: lab test check lint demo install browser postgres bench clean

$(STAMP): pyproject.toml labextension/package.json labextension/package-lock.json $(wildcard labextension/src/*.ts labextension/style/*)
	test -x $(PY) || python3 -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e ".[lab,test]"
	touch $(STAMP)

install: $(STAMP)

# Debian's Chromium for the browser tests and chart export (installed when run as root and missing).
browser:
	@if [ ! -x /usr/bin/chromium ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's chromium"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

# A PostgreSQL server binary for the store tests (installed when run as root and missing).
postgres:
	@if ! command -v initdb >/dev/null && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		&& [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing Debian's postgresql"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null; \
	fi

# The layer contract of ARCHITECTURE.md (import-linter, configured in pyproject.toml).
lint: $(STAMP)
	$(VENV)/bin/lint-imports

# The fast inner loop: the import contract and the unit tests (no browser, no PostgreSQL).
check: lint
	$(PY) -m pytest -q tests/unit -m "not postgres and not ui" -p no:cacheprovider

test: $(STAMP) browser postgres lint
	$(PY) -m pytest -q

demo: $(STAMP)
	$(PY) scripts/run_notebooks.py notebooks build/notebooks

# The notebooks' kernels and the sidebar's server read the same store: the notebooks' own, unless KOLENA_LAB_URL is set.
lab: export KOLENA_LAB_URL ?= sqlite:///$(CURDIR)/notebooks/.kolena_lab/lab.db
lab: $(STAMP)
	$(PY) scripts/run_notebooks.py notebooks build/notebooks --only quickstart.ipynb
	$(VENV)/bin/jupyter lab --ServerApp.root_dir=. --port=$(PORT) notebooks/quickstart.ipynb $(if $(filter 0,$(shell id -u)),--allow-root,)

bench: $(STAMP)
	for script in benchmarks/bench_*.py; do $(PY) $$script || exit 1; done

clean:
	rm -rf build .pytest_cache notebooks/.kolena_lab
