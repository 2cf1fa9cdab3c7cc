-- Whether the request acts for an admin of `company` whose token subject is one of its users:
-- what the guard checks on every written credential row, checked here by the lifecycle changes
-- that write only lifecycle state and pointers (promote, delete, restore), where no guarded row
-- is written.
CREATE OR REPLACE FUNCTION public.vault_acting_admin(company uuid) RETURNS boolean
LANGUAGE sql STABLE
AS $$
  SELECT company = public.current_company_id() AND public.has_role('Vibot.admin')
    AND EXISTS (SELECT 1 FROM public.users u WHERE u.company_id = company
      AND u.id = public.current_user_id())
$$;
