# Solo CRM. `make run` starts the CRM with demo data; `make test` runs the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export SOLOCRM_HOME ?= $(CURDIR)/var

.PHONY: run test install lint format bench messages clean

$(BIN)/solocrm: pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[test]"
	touch $(BIN)/solocrm

install: $(BIN)/solocrm

run: install
	$(BIN)/solocrm serve

test: install
	$(BIN)/python scripts/run_tests.py

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

bench: install
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[bench]"
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# The project catalogue (locale/) holds core, accounts, api, web and the base templates;
# each domain app keeps its own catalogue in <app>/locale/.
APPS_WITH_CATALOGUES := customers sales agenda
messages: install
	cd src/solocrm && ../../$(BIN)/solocrm makemessages -l zh_Hans --no-obsolete -i "analytics/*" $(foreach app,$(APPS_WITH_CATALOGUES),-i "$(app)/*")
	for app in $(APPS_WITH_CATALOGUES); do (cd src/solocrm/$$app && ../../../$(BIN)/solocrm makemessages -l zh_Hans --no-obsolete) || exit 1; done
	cd src/solocrm && ../../$(BIN)/solocrm compilemessages -l zh_Hans

clean:
	rm -rf $(VENV) var
