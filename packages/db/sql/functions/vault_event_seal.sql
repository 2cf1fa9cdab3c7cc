-- The seal of events recorded before the ledger had keys of its own (verification only):
-- hmac-sha256:<kid>:<hex> under the data kid's audit key over every field of the event.
CREATE OR REPLACE FUNCTION public.vault_event_seal(id bigint, company uuid, connector uuid,
  credential uuid, version integer, action text, actor uuid, request_id text,
  occurred_at timestamptz, kid text, audit_key bytea) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE
AS $$
  SELECT 'hmac-sha256:' || kid || ':' || encode(public.vault_hmac(convert_to(concat_ws('|',
    'vibot.connector_credential_events.seal.v1', id, company,
    coalesce(connector::text, '-'), coalesce(credential::text, '-'), coalesce(version::text, '-'),
    action, coalesce(actor::text, '-'), encode(convert_to(coalesce(request_id, ''), 'UTF8'), 'hex'),
    (extract(epoch from occurred_at) * 1000000)::bigint), 'UTF8'), audit_key, 'sha256'), 'hex')
$$;
