# Each target installs what it needs into .venv first, so a fresh clone needs only Python 3.11+, Java 17+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export LAKEHOUSE_HOME ?= $(CURDIR)/.lakehouse

.PHONY: install demo test dev clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml setup.py constraints.txt
	$(PYTHON) -c 'import sys; sys.exit("Python 3.11+ is required, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

demo: install
	$(BIN)/lakehouse demo

test: install
	$(BIN)/pytest

dev: install
	home=$$($(BIN)/lakehouse dagster-home) && DAGSTER_HOME=$$home $(BIN)/dagster dev -h 127.0.0.1 -p 3000

clean:
	rm -rf $(VENV) .lakehouse
