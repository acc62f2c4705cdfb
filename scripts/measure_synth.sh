#!/usr/bin/env bash
# Wall time and peak memory of `python app.py` (every environment, then each alone) against an empty
# one-stack app, all with the settings the synth command uses (cdk-nag on; built-in validation per
# cdk.json), then the whole app and the empty one with aws-cdk-lib's built-in validation forced on.
# Usage: scripts/measure_synth.sh [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-3}
log=$(mktemp)
measure() {
  local label=$1
  shift
  for _ in $(seq "$runs"); do
    /usr/bin/time -v -o "$log" "$@" >/dev/null 2>&1
    awk -v l="$label" '/Elapsed \(wall clock\)/{w=$NF} /Maximum resident/{m=$NF}
      END{printf "%-22s wall %s  peak RSS %.0f MB\n", l, w, m/1024}' "$log"
  done
}
measure empty .venv/bin/python -m scripts.empty_app "$(mktemp -d)"
measure app .venv/bin/python app.py
for env in dev stg prod; do
  measure "app env=$env" .venv/bin/python app.py env=$env
done
measure "empty +builtin-valid." .venv/bin/python -m scripts.empty_app "$(mktemp -d)" --builtin-validation
measure "app +builtin-valid." .venv/bin/python app.py builtin_validation=true
rm -f "$log"
