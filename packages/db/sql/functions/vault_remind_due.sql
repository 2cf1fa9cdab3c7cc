-- The reminder job (docs/ARCHITECTURE.md, "Version lifecycle"): for up to `batch` current versions
-- in every company whose expiry is due by `asof` (the API's clock), records the `expiring` reminder
-- once the version is within `warning` of its expiry and the `expired` reminder once it expired,
-- each once per version: the version's row remembers it in the same transaction. No actor; the
-- detail is the expiry. One process reminds at a time (the advisory lock; -1 when another holds
-- it). Only the API's login may call it. Returns how many reminders it recorded.
CREATE OR REPLACE FUNCTION public.vault_remind_due(asof timestamptz, warning interval, batch integer)
RETURNS integer
LANGUAGE plpgsql SECURITY DEFINER
SET search_path = ''
AS $$
DECLARE
  due record;
  n integer := 0;
  expiry text;
BEGIN
  IF NOT pg_catalog.pg_try_advisory_xact_lock(7368207346913720502) THEN
    RETURN -1;
  END IF;
  FOR due IN
    SELECT l.* FROM public.connector_credential_lifecycle l
    JOIN public.integration_connectors ic
      ON ic.id = l.connector_id AND ic.current_version = l.version
    WHERE l.expires_at IS NOT NULL AND l.deleted_at IS NULL
      AND ((l.expiring_reminded_at IS NULL AND l.expires_at - warning <= asof)
        OR (l.expired_reminded_at IS NULL AND l.expires_at <= asof))
    ORDER BY l.expires_at LIMIT batch
  LOOP
    expiry := pg_catalog.to_char(due.expires_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
    IF due.expiring_reminded_at IS NULL THEN
      PERFORM public.vault_append_event(due.company_id, due.connector_id, due.credential_id,
        due.version, 'expiring', NULL, NULL, expiry);
      n := n + 1;
    END IF;
    IF due.expired_reminded_at IS NULL AND due.expires_at <= asof THEN
      PERFORM public.vault_append_event(due.company_id, due.connector_id, due.credential_id,
        due.version, 'expired', NULL, NULL, expiry);
      n := n + 1;
    END IF;
    UPDATE public.connector_credential_lifecycle l
    SET expiring_reminded_at = coalesce(l.expiring_reminded_at, asof),
      expired_reminded_at = CASE WHEN l.expires_at <= asof THEN coalesce(l.expired_reminded_at, asof)
        ELSE l.expired_reminded_at END
    WHERE l.credential_id = due.credential_id;
  END LOOP;
  RETURN n;
END
$$;
--> statement-breakpoint
ALTER FUNCTION public.vault_remind_due(timestamptz, interval, integer) OWNER TO vault_lifecycle;
--> statement-breakpoint
REVOKE ALL ON FUNCTION public.vault_remind_due(timestamptz, interval, integer) FROM PUBLIC, anon, authenticated, service_role;
--> statement-breakpoint
GRANT EXECUTE ON FUNCTION public.vault_remind_due(timestamptz, interval, integer) TO authenticator;
