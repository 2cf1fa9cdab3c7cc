-- pgcrypto through wrappers qualified with the schema it is installed in (public here, extensions
-- on Supabase), so a function of the same name earlier on a role's search_path (a schema named
-- after the role, say) never receives a key. Plain SQL bodies: the planner inlines them.
DO $$
DECLARE
  s text := (SELECT n.nspname FROM pg_catalog.pg_extension e
             JOIN pg_catalog.pg_namespace n ON n.oid = e.extnamespace WHERE e.extname = 'pgcrypto');
BEGIN
  EXECUTE format($f$CREATE OR REPLACE FUNCTION public.vault_pgp_sym_encrypt(data text, key text, options text)
    RETURNS bytea LANGUAGE sql VOLATILE STRICT PARALLEL SAFE
    AS 'SELECT %I.pgp_sym_encrypt(data, key, options)'$f$, s);
  EXECUTE format($f$CREATE OR REPLACE FUNCTION public.vault_pgp_sym_decrypt(data bytea, key text)
    RETURNS text LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT %I.pgp_sym_decrypt(data, key)'$f$, s);
  EXECUTE format($f$CREATE OR REPLACE FUNCTION public.vault_hmac(data bytea, key bytea, algorithm text)
    RETURNS bytea LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
    AS 'SELECT %I.hmac(data, key, algorithm)'$f$, s);
END
$$;
