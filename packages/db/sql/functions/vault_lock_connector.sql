-- The start of every lifecycle change (promote, delete, restore): the caller's connector, locked
-- (the lock that queues every change of one connector's versions), and why the change must stop,
-- if it must: connector_not_found (not the caller's company's; service_role bypasses RLS, so this
-- is load-bearing for isolation), or forbidden (not an admin user of the company: the guard's
-- rule, which these changes must check themselves since they write no credential row).
CREATE OR REPLACE FUNCTION public.vault_lock_connector(connector uuid,
  OUT pointers public.integration_connectors, OUT refusal text)
LANGUAGE plpgsql
AS $$
BEGIN
  SELECT ic.* INTO pointers FROM public.integration_connectors ic
  WHERE ic.id = connector AND ic.company_id = (SELECT public.current_company_id())
  FOR UPDATE;
  IF NOT FOUND THEN
    refusal := 'connector_not_found';
  ELSIF NOT public.vault_acting_admin(pointers.company_id) THEN
    refusal := 'forbidden';
  END IF;
END
$$;
