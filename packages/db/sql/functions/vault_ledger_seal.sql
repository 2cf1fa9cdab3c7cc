-- seal = ledger-v2:<kid>:<hex>, an HMAC under the ledger key over every field of the event with a
-- domain prefix; absent fields are '-', the request id hex-encoded (it is client-chosen text). A
-- lifecycle event's detail comes last and only when present (concat_ws skips a null), so events
-- recorded before the column existed keep the seal they were given.
CREATE OR REPLACE FUNCTION public.vault_ledger_seal(e public.connector_credential_events,
  kid text, key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT 'ledger-v2:' || kid || ':' || encode(public.vault_hmac(convert_to(concat_ws('|',
    'vibot.connector_credential_events.seal.v2', e.id, e.company_id,
    coalesce(e.connector_id::text, '-'), coalesce(e.credential_id::text, '-'),
    coalesce(e.version::text, '-'), e.action, coalesce(e.actor::text, '-'),
    encode(convert_to(coalesce(e.request_id, ''), 'UTF8'), 'hex'),
    (extract(epoch from e.occurred_at) * 1000000)::bigint, e.detail), 'UTF8'), key, 'sha256'), 'hex')
$$;
