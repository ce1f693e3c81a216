#!/usr/bin/env bash
# Smoke run of `sequex-bench api`: starts a fresh sequexd (no demo, raised rate limits, port 0), runs each mode
# briefly against it, and stops it. Fails if the server does not come up or a mode exits non-zero.
#   api_smoke.sh SEQUEXD SEQUEX_BENCH WORK_DIR
set -euo pipefail
sequexd=$1 bench=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
cat > "$work/limits.toml" <<'TOML'
[rate_limits]
order_per_100ms = 1000000
ws_user_per_second = 10000000
ws_market_per_second = 10000000
public_per_second_per_ip = 10000000
TOML
"$sequexd" --config "$work/limits.toml" --no-demo --listen 127.0.0.1:0 --data-dir "$work/data" > "$work/sequexd.out" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 1 100); do
  grep -q '^sequexd: ready' "$work/sequexd.out" && break
  kill -0 $server 2>/dev/null || { cat "$work/sequexd.out"; exit 1; }
  sleep 0.1
done
url=$(sed -n 's/^sequexd: ready http=\([^ ]*\).*/\1/p' "$work/sequexd.out")
[ -n "$url" ] || { echo "sequexd did not report ready"; cat "$work/sequexd.out"; exit 1; }
common=(--url "$url" --data-dir "$work/data" --duration 1 --warmup 0.5)
"$bench" api "${common[@]}" --mode ws --rate 500 --connections 4
"$bench" api "${common[@]}" --mode rest --connections 4
"$bench" api "${common[@]}" --mode fanout --subscribers 20 --rate 50
