# MedCRM — the two commands: `make run` (the product) and `make test` (the suite).
PYTHON ?= python3
DEV := $(PYTHON) tools/medcrm_dev.py

.PHONY: run test lint bench setup i18n

run:            ## create the demo database `medcrm` if missing and start Odoo on :8069 (WORKERS=N: prefork)
	$(DEV) run $(if $(WORKERS),--workers $(WORKERS))

test:           ## throwaway database, install the addons, pytest-odoo, drop the database
	$(DEV) test $(if $(K),-k "$(K)") $(TESTS)

lint:           ## ruff + pylint-odoo on the addons
	$(DEV) lint

bench:          ## benchmarks on a fresh database (bench/bench_*.py or BENCH=...), printing figures
	$(DEV) bench $(BENCH)

setup:          ## only install the Python environment and start PostgreSQL
	$(DEV) setup

i18n:           ## refresh i18n/*.pot and i18n/ru.po of every addon from database $(DB) (default medcrm_dev)
	$(DEV) test --database $(or $(DB),medcrm_dev) --keep --update tests/test_dev_tool.py
	$(DEV) python --database $(or $(DB),medcrm_dev) tools/i18n_sync.py
