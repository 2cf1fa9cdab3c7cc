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
