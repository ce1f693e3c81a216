#!/usr/bin/env bash
# End to end test of the operator tool's journal and snapshot subcommands on a journal that `sequex-bench pipeline`
# writes: verify, replay (whole journal and from a snapshot, with and without sequexd's [engine] table), stats,
# dump, snapshot take/list/verify/prune; a bad --config and a flipped byte must fail with a message, never a crash;
# the writing subcommands are refused while another process holds the data dir's lock; integer options are decimal.
#   journal_cli_test.sh SEQUEX SEQUEX_BENCH WORK_DIR
set -euo pipefail
sequex=$1 bench=$2 work=$3
rm -rf "$work" && mkdir -p "$work"
dir=$work/journal
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
field() { sed -n "s/.*\"$1\":\"\{0,1\}\([^,\"}]*\).*/\1/p" <<<"$2"; }

"$bench" pipeline --workload standard --commands 20000 --warmup 5000 --accounts 200 --durability journal \
  --data-dir "$dir" >/dev/null 2>&1 || fail "sequex-bench pipeline"
commands=$(field commands "$("$sequex" journal stats "$dir")")
[ "$commands" -gt 25000 ] || fail "journal stats counted $commands commands"

verify=$("$sequex" journal verify "$dir") || fail "verify of an intact journal: $verify"
[ "$(field ok "$verify")" = true ] || fail "verify: $verify"
[ "$(field audit "$verify")" = ok ] || fail "verify audit: $verify"
want=$(field state_hash "$verify")

# The [engine] sizes change how the tables are laid out, never the state: every sizing replays to the same hash.
cat >"$work/sized.toml" <<'TOML'
[engine]
expected_orders = 4096
expected_accounts = 201
expected_account_books = 8192
TOML
cat >"$work/tiny.toml" <<'TOML'
[engine]
expected_orders = 1
expected_accounts = 1
expected_account_books = 1
TOML
for config in "" "$work/sized.toml" "$work/tiny.toml"; do
  line=$("$sequex" journal replay "$dir" ${config:+--config "$config"}) || fail "replay ${config:-default}: $line"
  [ "$(field state_hash "$line")" = "$want" ] || fail "replay ${config:-default} hash: $line, want $want"
  [ "$(field commands "$line")" = "$commands" ] || fail "replay ${config:-default} count: $line"
  [ "$(field bench "$line")" = replay ] || fail "replay line: $line"
done
[ "$(field ok "$("$sequex" journal verify "$dir" --config "$work/sized.toml")")" = true ] || fail "verify --config"

# A snapshot, then a restart from it: the same state, and only the journal after it replayed.
take=$("$sequex" snapshot take --data-dir "$dir" --config "$work/sized.toml") || fail "snapshot take: $take"
[ "$(field state_hash "$take")" = "$want" ] || fail "snapshot take hash: $take"
"$sequex" snapshot verify --data-dir "$dir" --config "$work/tiny.toml" >/dev/null || fail "snapshot verify"
[ "$("$sequex" snapshot list --data-dir "$dir" | grep -c '"valid":true')" = 1 ] || fail "snapshot list"
line=$("$sequex" journal replay "$dir" --from-snapshot --config "$work/sized.toml")
[ "$(field state_hash "$line")" = "$want" ] || fail "replay --from-snapshot hash: $line"
[ "$(field snapshot_seq "$line")" = "$commands" ] || fail "replay --from-snapshot started at: $line"

# `snapshot prune` counts only snapshots that load. Two here: one at half the journal (taken on a copy cut there) and
# the newest, damaged. Counted, the damaged one was "kept" and the valid one deleted, leaving nothing to restart from.
half=$((commands / 2))
cp -r "$dir" "$work/half" && cp -r "$dir" "$work/pruned"
"$sequex" journal truncate "$work/half" --at-seq $((half + 1)) --drop-newer-snapshots >/dev/null || fail "cut the copy"
"$sequex" snapshot take --data-dir "$work/half" >/dev/null || fail "snapshot take on the cut copy"
cp "$work/half"/snapshot-*.snap "$work/pruned/"
newest=$(ls "$work/pruned"/snapshot-*.snap | tail -1)
size=$(stat -c %s "$newest")
printf 'X' | dd of="$newest" bs=1 seek=$((size / 2)) conv=notrunc status=none
out=$("$sequex" snapshot prune --data-dir "$work/pruned" --keep 1 2>"$work/prune.err") || fail "prune: $out"
grep -qF "\"not_counted\":[\"$(basename "$newest")\"]" <<<"$out" || fail "prune did not name the damaged one: $out"
grep -q "removed 0 snapshot(s)" <<<"$out" || fail "prune removed a snapshot that loads: $out"
grep -q "$(basename "$newest") is not counted" "$work/prune.err" || fail "prune's stderr: $(cat "$work/prune.err")"
line=$("$sequex" journal replay "$work/pruned" --from-snapshot) || fail "replay after the prune: $line"
[ "$(field snapshot_seq "$line")" = "$half" ] && [ "$(field state_hash "$line")" = "$want" ] ||
  fail "replay after the prune: $line, want snapshot $half and hash $want"

[ "$("$sequex" journal dump "$dir" | wc -l)" = "$commands" ] || fail "dump line count"

# One writer at a time (journal/data_dir_lock.h). While another process holds DIR/LOCK, as a running sequexd does,
# the subcommands that write or remove files are refused at once and change nothing; those that only read still
# work. flock(1) takes the same flock(2) lock; -F: the locked descriptor is held by the process $! names, alone.
contents() { (cd "$dir" && md5sum journal-*.seg snapshot-*); }
before=$(contents)
flock -F "$dir/LOCK" sleep 300 &
holder=$!
trap 'kill -9 $holder 2>/dev/null || true' EXIT
while flock -n "$dir/LOCK" true; do sleep 0.05; done
for args in "journal truncate $dir --at-seq 2" "snapshot take --data-dir $dir" \
  "snapshot prune --data-dir $dir --keep 0"; do
  set +e
  out=$(timeout 10 "$sequex" $args 2>&1)
  rc=$?
  set -e
  [ $rc = 1 ] && grep -q "data dir $dir is in use by another process" <<<"$out" ||
    fail "$args beside a holder: rc $rc: $out"
done
[ "$(contents)" = "$before" ] || fail "a refused subcommand changed the data dir"
[ "$(field ok "$("$sequex" journal verify "$dir")")" = true ] || fail "verify beside a holder"
[ "$(field ok "$("$sequex" journal stats "$dir")")" = true ] || fail "stats beside a holder"
"$sequex" snapshot verify --data-dir "$dir" >/dev/null || fail "snapshot verify beside a holder"
[ "$("$sequex" snapshot list --data-dir "$dir" | grep -c '"valid":true')" = 1 ] || fail "snapshot list beside a holder"
# kill -9 leaves no stale lock: the kernel drops it with the holder's descriptor.
kill -9 $holder
wait $holder || true
take=$("$sequex" snapshot take --data-dir "$dir") || fail "snapshot take after the holder was killed: $take"
[ "$(cat "$dir/LOCK")" != "" ] || fail "no pid in $dir/LOCK"

# Integer options are plain decimal digits (common/plain_decimal_option.h): CLI11 alone read "020" as octal 16 and
# "0x10" as 16, took " 9" and "+9", and made "-1" 2^64-1. Each is refused, naming the option, before any work.
before=$(contents)
for bad in 020 0x10 " 9" "9 " +9 -1 99999999999999999999; do
  for args in "journal|truncate|$dir|--drop-newer-snapshots|--at-seq" "snapshot|prune|--data-dir|$dir|--keep"; do
    IFS='|' read -r -a argv <<<"$args"
    set +e
    out=$("$sequex" "${argv[@]}" "$bad" 2>&1)
    rc=$?
    set -e
    option=${argv[${#argv[@]} - 1]}
    [ $rc != 0 ] && grep -qF -- "$option: '$bad' is " <<<"$out" || fail "${argv[*]} '$bad': rc $rc: $out"
  done
done
[ "$(contents)" = "$before" ] || fail "a refused number changed the data dir"
set +e
out=$("$bench" gen --workload standard --commands 010 --out "$work/never.txt" 2>&1)
rc=$?
set -e
[ $rc != 0 ] && grep -qF -- "--commands: '010' is not a plain decimal number" <<<"$out" ||
  fail "sequex-bench --commands 010: rc $rc: $out"

# A configuration the server would refuse is refused here too, with the server's message, before any work.
printf '[engine]\nexpected_orders = 0\n' >"$work/bad.toml"
set +e
out=$("$sequex" journal replay "$dir" --config "$work/bad.toml" 2>&1)
rc=$?
set -e
[ $rc = 2 ] || fail "replay with a bad config exited $rc: $out"
grep -q "engine.expected_orders" <<<"$out" || fail "bad config message: $out"
set +e
out=$("$sequex" journal verify "$dir" --config "$work/missing.toml" 2>&1)
rc=$?
set -e
[ $rc = 2 ] && grep -q "cannot read" <<<"$out" || fail "missing config: rc $rc: $out"

# One flipped byte in the middle of the records (a pre-written segment is longer than its records): verify fails
# and names the file, replay refuses.
segment=$(ls "$dir"/journal-*.seg | head -1)
used=$(field bytes "$("$sequex" journal stats "$dir" | sed 's/.*"segments":\[\([^]]*\)\].*/\1/')")
[ "$used" -gt 0 ] || fail "segment size from journal stats"
offset=$((used / 2))
byte=$(od -An -tu1 -j "$offset" -N1 "$segment" | tr -d ' ')
printf "\\$(printf '%03o' $(((byte + 1) % 256)))" | dd of="$segment" bs=1 seek="$offset" conv=notrunc status=none
set +e
verify=$("$sequex" journal verify "$dir")
rc=$?
"$sequex" journal replay "$dir" >/dev/null 2>&1
replay_rc=$?
set -e
[ $rc = 1 ] || fail "verify of a corrupted journal exited $rc: $verify"
[ "$(field ok "$verify")" = false ] || fail "verify of a corrupted journal: $verify"
grep -q "$(basename "$segment")" <<<"$verify" || fail "verify did not name the segment: $verify"
[ $replay_rc = 1 ] || fail "replay of a corrupted journal exited $replay_rc"

# The operator's cut at the damaged record. The snapshot taken above is newer, holds commands the cut removes, and a
# restart would refuse it: the cut is refused unless told to drop it, and then the journal replays from the start.
bad_seq=$(sed -n 's/.*(seq \([0-9]*\)).*/\1/p' <<<"$verify")
[ -n "$bad_seq" ] || fail "verify did not name the seq: $verify"
set +e
out=$("$sequex" journal truncate "$dir" --at-seq "$bad_seq")
rc=$?
set -e
[ $rc = 1 ] && grep -q "drop-newer-snapshots" <<<"$out" || fail "truncate below a newer snapshot: rc $rc: $out"
[ "$(field ok "$("$sequex" journal stats "$dir")")" = false ] || fail "a refused truncate changed the journal"
out=$("$sequex" journal truncate "$dir" --at-seq "$bad_seq" --drop-newer-snapshots) || fail "truncate: $out"
grep -q "removed snapshot-" <<<"$out" || fail "truncate did not report the snapshot it removed: $out"
line=$("$sequex" journal replay "$dir" --from-snapshot) || fail "replay after the cut: $line"
[ "$(field commands "$line")" = $((bad_seq - 1)) ] || fail "replay after the cut: $line, want $((bad_seq - 1)) commands"

# `snapshot take` may run beside a live server, which writes a batch's length word last: until then the batch is a
# torn tail. The tool reads the journal and leaves that tail in place (cut, the server would then acknowledge what
# was cut). The last record with its length word not yet written is such a batch.
last=$("$sequex" journal dump "$dir" | tail -1)
segment=$dir/$(field segment "$last")
dd if=/dev/zero of="$segment" bs=1 seek="$(field offset "$last")" count=8 conv=notrunc status=none
[ "$(field torn_tail "$("$sequex" journal stats "$dir")")" = true ] || fail "no torn tail to leave in place"
before=$(md5sum <"$segment")
take=$("$sequex" snapshot take --data-dir "$dir") || fail "snapshot take beside a torn tail: $take"
[ "$(field seq "$take")" = $(($(field seq "$last") - 1)) ] || fail "snapshot take beside a torn tail: $take"
[ "$(md5sum <"$segment")" = "$before" ] || fail "snapshot take changed the journal's tail"
echo "journal_cli_test: ok ($commands commands, state hash $want)"
