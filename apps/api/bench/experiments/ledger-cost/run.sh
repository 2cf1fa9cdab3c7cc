#!/usr/bin/env bash
# What the ledger costs a rotation. Seeds a database as the bench does, fills each rotated
# connector past its 10 kept versions (so that every rotation also prunes one, as in service), then
# alternates 10 s pgbench rounds of the door's rotation statement (7 clients, as the API's login)
# beside one sequencer client chaining every 5 ms: with the ledger, and with the recorders replaced
# by no-ops as the bench's "without" rounds do. With track_functions on, prints tps and
# µs of each function (wall time, self) and WAL records and bytes per rotation. Then loops of the
# recorders (below). VARIANT="a.sql b.sql" applies those files (as the operator) first.
set -euo pipefail
cd "$(dirname "$0")"
export PGOPTIONS="-c client_min_messages=warning"
out=$(mktemp -d)
npx tsx scripts.ts "$out"
db="psql -h 127.0.0.1 -U postgres -d vibot_probe -Atq -v ON_ERROR_STOP=1"
for v in ${VARIANT:-}; do $db -f "$v"; done
$db -c "alter role vibot_probe_api set track_functions = 'all'"
mapfile -t rdef < "$out/rotation.defines"
mapfile -t cdef < "$out/chain.defines"
bench() { # $1 seconds; prints rotations per second
  pgbench -h 127.0.0.1 -U vibot_probe_api -n -M prepared -c 1 -j 1 -T "$1" "${cdef[@]}" -f "$out/chain.sql" vibot_probe >/dev/null &
  local seq=$!
  pgbench -h 127.0.0.1 -U vibot_probe_api -n -M prepared -c 7 -j 2 -T "$1" "${rdef[@]}" -f "$out/rotation.sql" vibot_probe \
    | grep -oP '^tps = \K[0-9.]+'
  wait $seq
}
echo "warm-up (fills each connector past 10 versions): $(bench 40) rotations/s"
$db -c "vacuum analyze"
recorders="'public.vault_record_event(uuid, uuid, integer, text, text)'::regprocedure, 'public.vault_record_events(uuid[], uuid[], integer[], text[], text)'::regprocedure"
original=$($db -c "select string_agg(pg_get_functiondef(p) || ';', E'\\n') from unnest(array[$recorders]) p")
without() {
  $db -c "create or replace function public.vault_record_event(connector uuid, credential uuid,
    version integer, action text, request_id text) returns bigint language sql as 'select 0::bigint'" \
    -c "create or replace function public.vault_record_events(connectors uuid[], credentials uuid[],
    versions integer[], actions text[], request_id text) returns integer language sql as 'select 0'"
}
with() { $db <<< "$original"; }
round() { # $1 with|without
  $1
  $db -c "select pg_stat_reset(), pg_stat_reset_shared('wal')"
  local tps; tps=$(bench "${SECONDS_PER_ROUND:-10}")
  sleep 1
  local n; n=$(bc <<< "$tps * ${SECONDS_PER_ROUND:-10}")
  echo "$1: $tps rotations/s; WAL a rotation: $($db -c "select round(wal_records / $n, 1) || ' records, ' || round(wal_bytes / $n) || ' bytes' from pg_stat_wal")"
  echo "  µs a rotation (self): $($db -F ' ' -c "select string_agg(funcname || ' ' || round((self_time * 1000 / $n)::numeric, 0), ', ' order by self_time desc) from pg_stat_user_functions where self_time > 0")"
}
for r in 1 2 3; do
  if [ $((r % 2)) = 1 ]; then round with; round without; else round without; round with; fi
done
with
# Loops in one session (rolled back; no other client): a rotation's two events recorded by two
# calls of vault_record_event, by one call of vault_record_events as migrated (one generic plan),
# and by one with its plan_cache_mode reset (a plan made for each call's arrays).
claims='{"sub":"b0000000-0000-4000-8000-000000000002","company_id":"b0000000-0000-4000-8000-000000000001","roles":["Vibot.admin"],"role":"authenticated"}'
c="'d0000000-0000-4000-8000-000000000001'::uuid"
loop() { # $1 label, $2 the statement recording 10,000 pairs
  psql -h 127.0.0.1 -U vibot_probe_api -d vibot_probe -Atq -v ON_ERROR_STOP=1 <<SQL | tail -1
begin;
set local role authenticator;
select public.vault_enter('$claims', 'service_role');
select clock_timestamp() as t0 \\gset
$2
select '$1: ' || round(extract(epoch from clock_timestamp() - :'t0') * 1e6 / 10000, 1) || ' µs a rotation''s two events';
rollback;
SQL
}
plural="select count(public.vault_record_events(array_fill($c, array[2]), array[gen_random_uuid(), gen_random_uuid()], array[1, 1], array['rotate', 'destroy'], 'x')) from generate_series(1, 10000);"
events='public.vault_record_events(uuid[], uuid[], integer[], text[], text)'
for r in 1 2 3; do
  loop "two calls of vault_record_event" "select count(public.vault_record_event($c, gen_random_uuid(), 1, 'rotate', 'x') + public.vault_record_event($c, gen_random_uuid(), 1, 'destroy', 'x')) from generate_series(1, 10000);"
  loop "one call of vault_record_events" "$plural"
  $db -c "alter function $events reset plan_cache_mode"
  loop "one call of vault_record_events, planned at each call" "$plural"
  $db -c "alter function $events set plan_cache_mode = force_generic_plan"
done
psql -h 127.0.0.1 -U postgres -qc "drop database vibot_probe with (force)" -c "drop role vibot_probe_api"
rm -r "$out"
