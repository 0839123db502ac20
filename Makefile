# Monev Smart City — the two commands of the README's quick start.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8501
# Only this machine reaches `make run`; `make run ADDRESS=0.0.0.0` opens it to the network
# (plain HTTP: for a trial only; production goes behind nginx, see deploy/README.md).
ADDRESS ?= 127.0.0.1
DB ?= data/monev.duckdb

# Test processes (pytest-xdist): three on the project's 2-core machines. The browser tests
# spend much of their time waiting on chromium and the served app: with two workers the
# machine was about half idle; with three the whole suite took 7 min 24-42 s at 91 % of both
# cores, with four 7 min 50 s at 94 % (2026-12-08). `make test TEST_WORKERS=0` runs in one
# process. Whole files go to one
# worker each (--dist loadfile): tests of a file keep their order, and module fixtures (a
# database built through the loader, a browser) are built once, not once per worker.
TEST_WORKERS ?= 3
PYTEST_PARALLEL = -n $(TEST_WORKERS) --dist loadfile

.PHONY: run test test-fast lint bench demo etl clean cluster cluster-stop

$(VENV)/.runtime: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt requirements.txt $(VENV)/.runtime
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

# Memory of the server: glibc gives each of Streamlit's many threads its own malloc arena and
# pyarrow (pandas' strings) keeps freed memory in its own mimalloc pool; two arenas and the
# system pool keep the peak resident set of 30 sessions on the national dataset near 400 MB
# instead of 680 MB (no slower).
SERVE_ENV := MALLOC_ARENA_MAX=2 ARROW_DEFAULT_MEMORY_POOL=system

## make run: build the Kabupaten Tuban demo database if missing, then serve the app on
## http://127.0.0.1:8501 (ADDRESS and PORT change where)
run: $(VENV)/.runtime
	MONEV_DB=$(DB) $(PY) -m etl demo --if-missing
	MONEV_DB=$(DB) $(SERVE_ENV) $(PY) -m streamlit run app.py --server.port $(PORT) \
		--server.address $(ADDRESS) --server.headless true

## make cluster N=2: the demo database if missing, then N replicas (127.0.0.1:8601…) behind
## HAProxy on http://127.0.0.1:8500, sticky by cookie, each reading the newest snapshot
## (deploy/cluster/README.md); Ctrl-C or `make cluster-stop` stops every process
N ?= 2
CLUSTER_PORT ?= 8500
cluster: $(VENV)/.runtime
	MONEV_DB=$(DB) $(PY) -m etl demo --if-missing
	MONEV_DB=$(DB) $(PY) deploy/cluster/cluster.py start --replicas $(N) --port $(CLUSTER_PORT)

cluster-stop:
	$(PY) deploy/cluster/cluster.py stop

## make test: lint and the whole test suite (browser tests need Debian's chromium)
test: $(VENV)/.dev
	$(PY) -m ruff check .
	$(PY) -m pytest $(PYTEST_PARALLEL)

## make test-fast: the inner loop: domain, ETL and engine tests (no app, browser or bench)
test-fast: $(VENV)/.dev
	$(PY) -m pytest $(PYTEST_PARALLEL) tests/domain tests/etl tests/engine

lint: $(VENV)/.dev
	$(PY) -m ruff check .

## make bench: the ingest and page benchmark (prints a table, writes bench/results.md)
bench: $(VENV)/.dev
	$(PY) -m bench

## make etl ARGS='…': any `python -m etl` command of the README with the virtualenv's Python,
## on $(DB) unless ARGS names --db; e.g.
## make etl ARGS='user add admin.kominfo --role admin --nama "Admin Diskominfo"'
etl: $(VENV)/.runtime
	MONEV_DB=$(DB) $(PY) -m etl $(ARGS)

## make demo: build the demo database again (refused if $(DB) holds real data)
demo: $(VENV)/.runtime
	MONEV_DB=$(DB) $(PY) -m etl demo

## make clean: the virtualenv and generated files; never a database or the upload archive
clean:
	rm -rf $(VENV) data/demo test-artifacts
