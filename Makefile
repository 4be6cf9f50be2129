# Partnership hub: `make` alone lists the targets.

.DEFAULT_GOAL := help
.PHONY: help setup test test-dates lint run bench load clean distclean

VENV := .venv
# Extra pytest arguments, e.g. make test PYTEST_ARGS="-k migrations -x"
PYTEST_ARGS ?=
# Spread the tests over the machine's cores, a whole file to a worker (tests in a file
# may build on each other, as the audit trail's last test does), one worker more than the
# cores: tests spend part of their time waiting for PostgreSQL, Chromium and the commands
# they run, which the extra worker fills (4:32 instead of 5:13 on 2 cores).
# PYTEST_XDIST= runs serially.
PYTEST_XDIST ?= -n $(shell echo $$(( $$(nproc) + 1 ))) --dist loadfile
# On CI (CI=true) leave no .pytest_cache behind; locally keep it for --lf and --ff.
PYTEST_FLAGS ?= $(if $(filter true 1 yes,$(CI)),-p no:cacheprovider)
# .ci/run names a file here to learn pytest's own exit status (make's is always 2).
HUB_PYTEST_STATUS_FILE ?=

help: ## List the targets
	@echo "usage: make <target>"
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | \
		awk 'BEGIN {FS = ":.*## "} {printf "  %-10s %s\n", $$1, $$2}'

setup: ## Install Chromium, .venv and node_modules, and build the assets (safe to repeat)
	@bash .ci/setup

test: setup ## Run the tests (SQLite and a throwaway PostgreSQL; PYTEST_ARGS="..." to choose)
	@status=0; $(VENV)/bin/pytest $(PYTEST_XDIST) $(PYTEST_FLAGS) $(PYTEST_ARGS) || status=$$?; \
	if [ -n "$(HUB_PYTEST_STATUS_FILE)" ]; then echo $$status > "$(HUB_PYTEST_STATUS_FILE)"; fi; \
	if [ $$status -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$status

test-dates: setup ## Run the tests with the clock at 23 November, across a BST change night and on 29 February
	@for moment in "2026-11-23 12:00:00" "2027-03-28 00:58:00" "2028-02-29 12:00:00"; do \
		echo "make test-dates: the clock starts at $$moment UTC"; \
		faketime -f "@$$moment" $(VENV)/bin/pytest $(PYTEST_XDIST) $(PYTEST_FLAGS) $(PYTEST_ARGS) || exit $$?; \
	done

lint: ## Check the code with ruff and mypy
	@bash .ci/setup python
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

run: setup ## Migrate the development database, add demo data if empty, and serve the hub
	$(VENV)/bin/hub db upgrade
	$(VENV)/bin/hub demo --if-empty
	$(VENV)/bin/hub run

bench: setup ## Run the benchmarks (encryption, access decisions, case list, audit log, conference packs, figures, import, case pages, the log's reads by case); figures, not tests
	$(VENV)/bin/pip install --quiet -e '.[dev,bench]'
	$(VENV)/bin/python -m tests.benchmarks.bench_encryption
	$(VENV)/bin/python -m tests.benchmarks.bench_access
	$(VENV)/bin/python -m tests.benchmarks.bench_audit
	$(VENV)/bin/python -m tests.benchmarks.bench_pack
	$(VENV)/bin/python -m tests.benchmarks.bench_figures
	$(VENV)/bin/python -m tests.benchmarks.bench_import --rows 2000
	$(VENV)/bin/python -m tests.benchmarks.bench_case_page
	$(VENV)/bin/python -m tests.benchmarks.bench_audit_reads

load: setup ## Run the load test: locust against hub serve on PostgreSQL (SECONDS=600 for the soak)
	$(VENV)/bin/pip install --quiet -e '.[dev,load]'
	$(VENV)/bin/python -m tests.load.run --seconds $(or $(SECONDS),60)

clean: ## Remove caches and built assets (keeps .venv, node_modules and instance/)
	rm -rf .pytest_cache .ruff_cache .mypy_cache .hypothesis build dist *.egg-info
	rm -rf hub/static/hub.css hub/static/govuk hub/static/timeout-warning.mjs hub/static/focus-kept.mjs
	find . \( -path ./.venv -o -path ./node_modules -o -path ./.git \) -prune -o \
		-type d -name __pycache__ -prune -exec rm -rf {} +

distclean: clean ## Also remove .venv and node_modules (instance/ is still kept)
	rm -rf $(VENV) node_modules
