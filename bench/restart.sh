#!/usr/bin/env bash
# Time to restart from a snapshot plus N journaled commands (docs/journal.md, "Measured").
#
#   bench/restart.sh [--commands N] [--runs R] [--dir DIR]     (defaults: 10000000, 5, /tmp/sequex-restart)
#
# 1. `sequex-bench pipeline` journals the standard workload: its setup (1,010,201 deposits and definitions), the
#    1M-command warm-up, then N commands.
# 2. A copy of that journal is cut after the warm-up and `sequex snapshot take` snapshots its state; the snapshot
#    goes back beside the full journal, so the journal continues it by exactly N commands.
# 3. `sequex journal replay --from-snapshot` restarts from it R times: one JSON line each (recovery_seconds is the
#    whole restart: snapshot load, journal scan and replay, every checkpoint verified), then the medians. The engine
#    is sized by bench/standard-engine.toml, as a server configured for this venue sizes its own ([engine] table).
set -euo pipefail
cd "$(dirname "$0")/.."
commands=10000000
runs=5
dir=/tmp/sequex-restart
while [ $# -gt 0 ]; do
  case "$1" in
    --commands) commands=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --dir) dir=$2; shift 2 ;;
    *) echo "usage: $0 [--commands N] [--runs R] [--dir DIR]" >&2; exit 2 ;;
  esac
done
bin=build/release/bin
engine_config=bench/standard-engine.toml
setup_and_warmup=2010201  # the standard workload's setup commands plus its 1,000,000-command warm-up

rm -rf "$dir" "$dir.cut"
"$bin/sequex-bench" pipeline --workload standard --commands "$commands" --durability journal --data-dir "$dir" \
  >/dev/null 2>&1
cp -r "$dir" "$dir.cut"
"$bin/sequex" journal truncate "$dir.cut" --at-seq $((setup_and_warmup + 1)) --drop-newer-snapshots >/dev/null
"$bin/sequex" snapshot take --data-dir "$dir.cut" --config "$engine_config" >/dev/null
cp "$dir.cut"/snapshot-*.snap "$dir"/
rm -rf "$dir.cut"

results=()
for _ in $(seq "$runs"); do
  line=$("$bin/sequex" journal replay "$dir" --from-snapshot --config "$engine_config")
  echo "$line"
  results+=("$line")
done
printf '%s\n' "${results[@]}" | python3 -c '
import json, statistics, sys
rows = [json.loads(l) for l in sys.stdin if l.strip()]
med = lambda k: statistics.median(r[k] for r in rows)
print(json.dumps({"bench": "restart", "workload": "standard", "commands": rows[0]["commands"],
                  "snapshot_seq": rows[0]["snapshot_seq"], "runs": len(rows),
                  "ops_per_sec": round(med("ops_per_sec")), "snapshot_load_seconds": round(med("snapshot_load_seconds"), 3),
                  "recovery_seconds": round(med("recovery_seconds"), 3),
                  "same_state_hash": len({r["state_hash"] for r in rows}) == 1, "run": "median"}))'
