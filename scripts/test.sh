#!/usr/bin/env bash
# The whole suite: lint, import contracts, types, every test on SQLite, then the database-specific
# tests again on PostgreSQL.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin
status=0

echo "== ruff"
$py/ruff check . || status=1

echo "== import contracts (import-linter: the layers import one way, adapters never see the core)"
$py/lint-imports --no-logo || status=1

echo "== types (pyright over the pure core, the ports and the adapters)"
$py/pyright || status=1

echo "== tests on SQLite"
env -u DATABASE_URL $py/pytest -q "$@" || status=1

echo "== database-specific tests on PostgreSQL"
if [ -n "${TEST_POSTGRES_URL:-}" ]; then
  DATABASE_URL=$TEST_POSTGRES_URL $py/pytest -q -m dbspecific "$@" || status=1
else
  read -r pgdir pgurl < <(bash scripts/pg.sh start) || { echo "could not start PostgreSQL"; exit 1; }
  trap 'bash scripts/pg.sh stop "$pgdir"' EXIT
  DATABASE_URL=$pgurl $py/pytest -q -m dbspecific "$@" || status=1
fi
exit $status
