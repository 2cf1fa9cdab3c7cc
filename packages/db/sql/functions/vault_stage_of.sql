-- A stored version's stage from its connector's pointers (docs/ARCHITECTURE.md, "Version
-- lifecycle"): current, pending, previous, else retained. (A deleted version is `deleted`
-- whatever the pointers say; the callers check that first.) One expression: the planner inlines it.
CREATE OR REPLACE FUNCTION public.vault_stage_of(version integer, current_version integer,
  pending_version integer, previous_version integer) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$
  SELECT CASE version WHEN current_version THEN 'current' WHEN pending_version THEN 'pending'
    WHEN previous_version THEN 'previous' ELSE 'retained' END
$$;
