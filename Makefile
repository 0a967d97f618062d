# ngdpkit: `make demo` runs the whole migration on the sample data, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | cksum | cut -d' ' -f1)

.PHONY: demo test lab bench lint install clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[lab,test]'
	@rm -f $(VENV)/.installed-*
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/ngdpkit demo

# Compiled once before the suite: with PYTHONDONTWRITEBYTECODE set (as some CI images set it),
# every `ngdpkit` process a test starts would otherwise compile the kit again (0.14 s each).
# The suite itself runs with it unset: each pytest worker would otherwise rewrite and compile
# every test module's assertions again, on every `make test` (about 9 CPU-s a worker).
test: $(STAMP)
	$(BIN)/python -m compileall -q ngdpkit
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -p no:cacheprovider -n auto

lab: $(STAMP)
	$(BIN)/ngdpkit sample data/sample
	$(BIN)/ngdpkit notebooks .lab
	cd .lab && NGDPKIT_SETTINGS=../data/sample/migration.toml NGDPKIT_ENV=$(or $(ENV),test) ../$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u 2>/dev/null)),--allow-root,)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

lint: $(STAMP)
	$(BIN)/ruff check ngdpkit tests benchmarks
	$(BIN)/ruff format --check ngdpkit tests benchmarks
	$(BIN)/mypy ngdpkit
	$(BIN)/mypy --strict ngdpkit/__init__.py ngdpkit/steps ngdpkit/run

clean:
	rm -rf $(VENV) data/sample/runs data/sample/certs data/sample/sample.env
