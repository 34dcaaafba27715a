# Hearth: the two commands are `make serve` and `make test`; everything else follows from them.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test migrate schema bench bench-hud bench-audit bench-sync clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# DEMO=0 skips the demo data set (hearth seed --demo: 200 clients, only into a database without
# agencies or clients; a failure stops make serve).
DEMO ?= 1

serve: $(STAMP)
	$(BIN)/hearth migrate
ifneq ($(DEMO),0)
	$(BIN)/hearth seed --demo
endif
	$(BIN)/hearth serve

migrate: $(STAMP)
	$(BIN)/hearth migrate

# The tests run in pytest-xdist workers, one database each (tests/conftest.py): one per core, at
# most 4, stealing work from each other so that no worker ends the run alone on a long test.
# PYTEST_ARGS="-n 0" runs them in one process; PYTEST_ARGS="-m 'not slow'" leaves out the
# slow ones (the real OpenID Connect provider, the generator at size), which make test runs.
PYTEST_WORKERS ?= auto

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --maxprocesses 4 --dist worksteal $(PYTEST_ARGS)

schema: $(STAMP)
	$(BIN)/hearth schema export --out schema.graphql

# Not part of `make test`: seeds a benchmark database once (100,000 clients), then drives Hearth,
# the bare stack and raw asyncpg on loopback, then the batch jobs; about 10 minutes. docs/benchmarks.md.
bench: $(STAMP)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

# Not part of `make test`: HUD CSV export and import on generated data (hearth seed) for 10,000 and
# 100,000 clients, in scratch databases hearth_bench_hud_<N> (kept and reused for the same seed)
# and hearth_bench_hud_import, then the statewide file (devdata.statewide) written, imported into
# hearth_bench_hud_statewide and exported; HUD_BENCH_ARGS="--clients 10000 --steps statewide".
bench-hud: $(STAMP)
	$(BIN)/python bench/hud_csv.py $(HUD_BENCH_ARGS)

# Not part of `make test` nor `make bench`: the User Access Report over 100 million audit rows in
# the month-partitioned trail (bench/audit_partitions.py), in the scratch database
# hearth_bench_audit (about 42 GB with indexes; generated once, month by month, resumed where a
# run stopped, and reused); AUDIT_BENCH_ARGS="--minutes 30" stops generating after half an hour
# and times the report at the size reached.
bench-audit: $(STAMP)
	$(BIN)/python -m bench.audit_partitions --out bench/results/audit-partitions $(AUDIT_BENCH_ARGS)

# Not part of `make test`: the vendor sync alone, as `make bench` measures it, in its own small
# database (hearth_bench_sync); SYNC_BENCH_ARGS="--versus ../other-checkout" for same-run ratios.
bench-sync: $(STAMP)
	$(BIN)/python -m bench.sync $(SYNC_BENCH_ARGS)

clean:
	rm -rf $(VENV) .hearth
