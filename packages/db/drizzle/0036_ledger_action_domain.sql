-- The ledger's action as the domain vault_audit_action instead of a CHECK constraint on the table:
-- PostgreSQL reads a table's CHECK constraints from their stored text at every INSERT statement,
-- about 10 µs for this list of 13 actions, once per recorder call (a read's event, a rotation's
-- events), where a domain's check is read once per session (docs/ARCHITECTURE.md, "What an event
-- costs"). The same rule, enforced on every event written.
-- drizzle-kit wrote the column's change (naming the type's schema "undefined"); the rest is by
-- hand. The column becomes the domain while the domain has no check, which needs no rewrite of the
-- ledger, then the domain takes the check, which scans the ledger once. The append-only trigger
-- names the column in its WHEN, so it is dropped around the change and created again as
-- sql/triggers/connector_credential_events_append_only.sql defines it.
CREATE DOMAIN public.vault_audit_action AS text;
--> statement-breakpoint
DROP TRIGGER connector_credential_events_append_only ON public.connector_credential_events;
--> statement-breakpoint
ALTER TABLE "connector_credential_events" ALTER COLUMN "action" SET DATA TYPE public.vault_audit_action;
--> statement-breakpoint
ALTER TABLE "connector_credential_events" DROP CONSTRAINT "connector_credential_events_action_check";
--> statement-breakpoint
ALTER DOMAIN public.vault_audit_action ADD CONSTRAINT vault_audit_action_check
  CHECK (VALUE IN ('read', 'rotate', 'rollback', 'destroy', 'reencrypt', 'integrity_failure', 'stage', 'promote', 'delete', 'restore', 'purge', 'expiring', 'expired'));
--> statement-breakpoint
-- Append-only for everyone, owner included: the one update allowed is the sequencer's, which sets
-- an event's seal (when it has none) and chain position once and changes nothing else. The rule is
-- this trigger's WHEN condition, evaluated without a function call for each row the sequencer
-- chains; the function it runs for any other update only refuses it.
CREATE OR REPLACE TRIGGER connector_credential_events_append_only
  BEFORE UPDATE ON public.connector_credential_events
  FOR EACH ROW
  WHEN ((OLD.chain_seq IS NULL AND NEW.chain_seq IS NOT NULL
    AND (OLD.seal IS NULL OR NEW.seal = OLD.seal)
    AND (NEW.id, NEW.company_id, NEW.connector_id, NEW.credential_id, NEW.version, NEW.action,
      NEW.actor, NEW.request_id, NEW.occurred_at, NEW.detail)
    IS NOT DISTINCT FROM (OLD.id, OLD.company_id, OLD.connector_id, OLD.credential_id, OLD.version,
      OLD.action, OLD.actor, OLD.request_id, OLD.occurred_at, OLD.detail)) IS NOT TRUE)
  EXECUTE FUNCTION public.connector_credential_events_append_only();
