#!/usr/bin/env bash
# Is an insert-only chain table cheaper than chaining events by UPDATE? Seven clients record events
# while one sequencer chains them in batches of up to 128, for 20 s, both layouts in alternating
# rounds. "keeping up": the sequencer loops; "behind": it sleeps 15 ms between batches, so that
# every batch is full, as in the bench's read step. The insert-only sequencer finds unchained
# events by an anti-join over ids past a watermark; here the watermark is the last chained id
# minus WINDOW (a real one must also wait for transactions still in flight, and costs more).
# Prints events recorded a second (the writers) and batches chained a second (the sequencer).
set -euo pipefail
cd "$(dirname "$0")"
export PGOPTIONS="-c client_min_messages=warning"
URL=${BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
DB=vibot_chain_experiment
WINDOW=${WINDOW:-60}
psql "$URL" -qc "drop database if exists $DB" -c "create database $DB"
target="${URL%/*}/$DB"
psql "$target" -q -v ON_ERROR_STOP=1 -f schema.sql
tps() { grep -oP '^tps = \K[0-9]+'; }
round() {
  local layout=$1 regime=$2 chain="chain-$1.sql"
  if [ "$regime" = behind ]; then
    chain=$(mktemp); { echo '\sleep 15 ms'; cat "chain-$layout.sql"; } > "$chain"
  fi
  pgbench -n -c 1 -T 20 -D window="$WINDOW" -f "$chain" "$target" > /tmp/$DB-chain.out 2>&1 &
  local recorded; recorded=$(pgbench -n -c 7 -j 2 -T 20 -f "record-$layout.sql" "$target" 2>&1 | tps)
  wait
  echo "$regime $layout: recorded $recorded/s, chained $(tps < /tmp/$DB-chain.out) batches/s"
}
for regime in keeping-up behind; do
  for r in 1 2; do round update "$regime"; round insert-only "$regime"; done
done
psql "$URL" -qc "drop database $DB"
