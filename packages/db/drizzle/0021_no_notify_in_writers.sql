-- No pg_notify inside a writer's transaction (docs/ARCHITECTURE.md, "The change feed").
-- PostgreSQL serialises the commits of every notifying transaction on the whole server (the
-- notify queue's lock is held from pre-commit through the WAL flush), so the trigger that
-- announced each credential change made every rotation queue behind every other one, and behind
-- any other notifying writer of the user's database. The change feed follows the ledger instead:
-- a process wakes its own sequencer after its own commits, the sequencer announces each chained
-- batch from its own transaction, and a short poll catches changes made elsewhere.
DROP TRIGGER IF EXISTS connector_credentials_notify ON public.connector_credentials;
--> statement-breakpoint
DROP FUNCTION IF EXISTS public.connector_credentials_notify();
