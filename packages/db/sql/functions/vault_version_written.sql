-- When and by whom a version was written: its rotate, rollback or stage event, of the same company (an
-- event about another company's credential id never speaks for it). Chained events only, as the
-- change feed that asks publishes only those: the written index holds no other (the event of a
-- change is chained in the same batch as it, or before it, since it committed first).
CREATE OR REPLACE FUNCTION public.vault_version_written(company uuid, credential uuid)
RETURNS TABLE (occurred_at timestamptz, actor uuid)
LANGUAGE sql STABLE
AS $$
  SELECT e.occurred_at, e.actor FROM public.connector_credential_events e
  WHERE e.credential_id = credential AND e.company_id = company
    AND e.chain_seq IS NOT NULL AND e.action IN ('rotate', 'rollback', 'stage')
  ORDER BY e.id LIMIT 1
$$;
