#!/usr/bin/env bash
# What the claim functions cost the current read. Seeds a database as the bench does, then:
# 1. pgbench (8 clients, 8 s) of the door's read statement, read auditing off and on, as a
#    least-privilege login with track_functions on: calls and µs per read of each function;
# 2. 100,000 calls in a loop: each claim reader (current_company_id, has_role, current_user_id)
#    with the claims set by vault_enter (which keeps what they say with them) and by set_config
#    alone (it parses them); the parser alone; and two company parsers once measured as
#    alternatives: without the parser's search_path setting, and as one SQL expression the planner
#    inlines (it parses the claims at each use).
set -euo pipefail
cd "$(dirname "$0")"
export PGOPTIONS="-c client_min_messages=warning"
out=$(mktemp -d)
npx tsx scripts.ts "$out"
db="psql -h 127.0.0.1 -U postgres -d vibot_probe -Atq -v ON_ERROR_STOP=1"
$db -c "alter role vibot_probe_api set track_functions = 'all'"
for m in off on; do
  $db -c "select pg_stat_reset()"
  mapfile -t defines < "$out/read-$m.defines"
  result=$(pgbench -h 127.0.0.1 -U vibot_probe_api -n -M prepared -c 8 -j 2 -T 8 "${defines[@]}" \
    -f "$out/read-$m.sql" vibot_probe)
  reads=$(grep -oP 'actually processed: \K[0-9]+' <<< "$result")
  echo "read auditing $m: $(grep -oP '^tps = [0-9.]+' <<< "$result"); function, calls a read, µs a call (total), µs a read (self)"
  sleep 1 # the statistics collector's flush
  $db -F ' ' -c "select funcname, round(calls::numeric / $reads, 2), round((total_time * 1000 / calls)::numeric, 1),
    round((self_time * 1000 / $reads)::numeric, 1) from pg_stat_user_functions order by self_time desc limit 10"
done
$db <<'SQL'
create schema probe;
create function probe.company_unpinned() returns uuid language plpgsql stable as $$
declare claims pg_catalog.jsonb := public.request_jwt_claims(); company text;
begin
  if pg_catalog.jsonb_typeof(claims) = 'object' and claims operator(pg_catalog.?) 'company_id' then
    company := claims operator(pg_catalog.->>) 'company_id';
  else
    company := claims operator(pg_catalog.->) 'app_metadata' operator(pg_catalog.->>) 'company_id';
  end if;
  if company operator(pg_catalog.~*) '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return company::pg_catalog.uuid;
  end if;
  return null;
end $$;
create function probe.company_inlined() returns uuid language sql stable as $$
  select case when (case when public.request_jwt_claims() operator(pg_catalog.?) 'company_id'
      then public.request_jwt_claims() operator(pg_catalog.->>) 'company_id'
      else public.request_jwt_claims() operator(pg_catalog.->) 'app_metadata' operator(pg_catalog.->>) 'company_id' end)
    operator(pg_catalog.~*) '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
  then (case when public.request_jwt_claims() operator(pg_catalog.?) 'company_id'
      then public.request_jwt_claims() operator(pg_catalog.->>) 'company_id'
      else public.request_jwt_claims() operator(pg_catalog.->) 'app_metadata' operator(pg_catalog.->>) 'company_id' end)::pg_catalog.uuid end
$$;
SQL
claims='{"sub":"b0000000-0000-4000-8000-000000000002","company_id":"b0000000-0000-4000-8000-000000000001","roles":["Vibot.admin"]}'
# $1: the call to time; $2: how the claims are set (vault_enter keeps the company with them).
loop() {
  $db <<SQL | tail -1
begin;
$2;
select clock_timestamp() as t0 \\gset
select count($1) from generate_series(1, 100000);
select \$l\$$1, claims by $3: \$l\$ || round(extract(epoch from clock_timestamp() - :'t0') * 10, 2) || ' µs a call';
commit;
SQL
}
for round in 1 2; do
  by_setting="select set_config('request.jwt.claims', '$claims', true)"
  for reader in "public.current_company_id()" "public.has_role('Vibot.admin')" "public.current_user_id()"; do
    loop "$reader" "select public.vault_enter('$claims', 'authenticated')" vault_enter
    loop "$reader" "$by_setting" set_config
  done
  loop "public.vault_parse_claims()" "$by_setting" set_config
  loop "probe.company_unpinned()" "$by_setting" set_config
  loop "probe.company_inlined()" "$by_setting" set_config
done
psql -h 127.0.0.1 -U postgres -qc "drop database vibot_probe with (force)" -c "drop role vibot_probe_api"
rm -r "$out"
