-- The realtime stream from the ledger (SPEC §7, §10): each committed change event (rotate,
-- rollback, destroy, reencrypt) is announced on its own channel with its ledger id and metadata
-- only, so stream ids are ledger ids and a client that was away replays from the table, deletions
-- included. The credential's own feed (migration 0002) stays for other listeners.
CREATE INDEX IF NOT EXISTS idx_connector_credential_events_credential_id
  ON public.connector_credential_events (credential_id);
--> statement-breakpoint
-- When and by whom a credential version was written: its rotate or rollback event.
CREATE OR REPLACE FUNCTION public.vault_version_written(credential uuid)
RETURNS TABLE (occurred_at timestamptz, actor uuid)
LANGUAGE sql STABLE
AS $$
  SELECT e.occurred_at, e.actor FROM public.connector_credential_events e
  WHERE e.credential_id = credential AND e.action IN ('rotate', 'rollback')
  ORDER BY e.id LIMIT 1
$$;
--> statement-breakpoint
CREATE OR REPLACE FUNCTION public.connector_credential_events_notify() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
DECLARE
  written record;
BEGIN
  SELECT * INTO written FROM public.vault_version_written(NEW.credential_id);
  PERFORM pg_notify('connector_credential_events', jsonb_build_object(
    'id', NEW.id::text, 'action', NEW.action, 'company_id', NEW.company_id,
    'connector_id', NEW.connector_id, 'credential_id', NEW.credential_id, 'version', NEW.version,
    'occurred_at', NEW.occurred_at, 'rotated_at', written.occurred_at,
    'rotated_by', written.actor)::text);
  RETURN NULL;
END
$$;
--> statement-breakpoint
-- Reads (the bulk of the ledger) never fire it.
CREATE TRIGGER connector_credential_events_notify
  AFTER INSERT ON public.connector_credential_events
  FOR EACH ROW WHEN (NEW.action IN ('rotate', 'rollback', 'destroy', 'reencrypt'))
  EXECUTE FUNCTION public.connector_credential_events_notify();
--> statement-breakpoint
-- A company's deletion takes its events with it. A trigger rather than a foreign key: a foreign
-- key would make every event (every read) share-lock the company's row, and concurrent readers of
-- one company would contend on it (SPEC §10: reads must not wait on each other).
CREATE OR REPLACE FUNCTION public.companies_delete_events() RETURNS trigger
LANGUAGE plpgsql
SET search_path = ''
AS $$
BEGIN
  DELETE FROM public.connector_credential_events e WHERE e.company_id = OLD.id;
  RETURN NULL;
END
$$;
--> statement-breakpoint
CREATE TRIGGER companies_delete_events
  AFTER DELETE ON public.companies
  FOR EACH ROW EXECUTE FUNCTION public.companies_delete_events();
