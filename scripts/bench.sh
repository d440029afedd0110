#!/usr/bin/env bash
# `make bench`: run the benchmarks bench/README.md describes, one after the other, each with the
# arguments the README gives; print each one's output as it runs, then a table of exit codes and
# durations. Every bench prints its own figures and the ratio to a baseline measured in the same
# run. About 20 minutes in all on two cores.
#
#   bash scripts/bench.sh                      # all of them
#   bash scripts/bench.sh sync_cost faults     # only these (names as in bench/, without .py)
#   bash scripts/bench.sh --list               # the names, after checking every bench is listed and described
#
# Logs stay in var/bench/<name>.log. A bench that fails does not stop the others; the script
# exits non-zero if any failed.
set -uo pipefail
cd "$(dirname "$0")/.."
py=.venv/bin/python

# name and arguments, in bench/README.md's order.
BENCHES=(
  "availability"
  "calendar_calls"
  "caldav_calls"
  "page_weight"
  "notion_calls"
  "sync_cost"
  "faults"
  "load"
  "schemathesis_run --max-examples 500"
  "abuse"
  "fuzz_forms"
)

# A bench added to bench/ must be described in the README and listed above.
status=0
for script in bench/*.py; do
  name=$(basename "$script" .py)
  if ! grep -q "bench/$name.py" bench/README.md; then
    echo "bench/$name.py is not described in bench/README.md" >&2
    status=1
  fi
  if ! printf '%s\n' "${BENCHES[@]}" | grep -q "^$name\( \|$\)"; then
    echo "bench/$name.py is not listed in scripts/bench.sh" >&2
    status=1
  fi
done
((status == 0)) || exit 1
if [[ "${1:-}" == "--list" ]]; then
  for entry in "${BENCHES[@]}"; do echo "${entry%% *}"; done
  exit 0
fi

wanted=("$@")
mkdir -p var/bench
summary=()
for entry in "${BENCHES[@]}"; do
  read -r name args <<<"$entry"
  if ((${#wanted[@]})) && ! printf '%s\n' "${wanted[@]}" | grep -qx "$name"; then
    continue
  fi
  echo "== bench/$name.py $args"
  started=$SECONDS
  # shellcheck disable=SC2086  # the arguments are words
  $py "bench/$name.py" $args 2>&1 | tee "var/bench/$name.log"
  code=${PIPESTATUS[0]}
  summary+=("$(printf '%-18s exit %-3s %5ss' "$name" "$code" "$((SECONDS - started))")")
  ((code == 0)) || status=1
done

if ((${#summary[@]} == 0)); then
  echo "no bench matched: ${wanted[*]} (choose from: $(printf '%s ' "${BENCHES[@]%% *}"))" >&2
  exit 2
fi
echo
echo "== summary (logs in var/bench/)"
printf '%s\n' "${summary[@]}"
exit $status
