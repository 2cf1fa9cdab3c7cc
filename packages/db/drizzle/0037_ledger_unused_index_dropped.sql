-- The index of rotate and rollback events by credential that migration 0012 made by hand, outside
-- the Drizzle schema, served nothing since migration 0028: vault_version_written reads
-- idx_connector_credential_events_written (rotate, rollback and stage events, chained), and no
-- other query names a credential. Every rotate and rollback event still entered it twice, when
-- recorded and again when chained (the chaining UPDATE is never HOT). db.schema.declared.test.ts
-- now requires the migrated indexes to be exactly those the schema declares.
DROP INDEX IF EXISTS public.idx_connector_credential_events_credential_id;
