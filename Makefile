.PHONY: run test lint format bench

# Set up and run the demo at http://127.0.0.1:8000.
run:
	scripts/run.sh

# Set up and run the whole test suite (browser tests included).
test:
	scripts/test.sh

# What CI checks besides the tests.
lint:
	scripts/bootstrap.sh dev
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports
	.venv/bin/mypy
	.venv/bin/python manage.py makemigrations --check --dry-run

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

# Measure the Xero tab against the sandbox (300 ms a call): five customer sizes, two baselines and a
# realistic day; BENCH_ARGS="--quick" for a short run, BENCH_REDIS_URL for the Redis it empties.
bench:
	scripts/bench.sh $(BENCH_ARGS)
