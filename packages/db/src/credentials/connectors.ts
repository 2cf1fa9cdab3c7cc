// The caller's integration connectors: created by admins, listed under RLS.
import { sql } from "drizzle-orm";
import type { Transaction } from "../client";
import { queryRows } from "../rows";
import { CredentialError } from "./errors";

export interface Connector {
  id: string;
  companyId: string;
  name: string;
  provider: string;
  createdAt: string;
}

const connectorColumns = sql`id, company_id as "companyId", name, provider,
  to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as "createdAt"`;

/** Creates a connector in the caller's company; refused unless the caller is an admin user of it. */
export async function createConnector(
  tx: Transaction,
  input: { name: string; provider: string; createdBy: string },
): Promise<Connector> {
  const [connector] = await queryRows<Connector>(
    tx,
    sql`insert into public.integration_connectors (company_id, name, provider)
      select (select public.current_company_id()), ${input.name}, ${input.provider}
      where (select public.has_role('Vibot.admin')) and exists (
        select 1 from public.users
        where id = ${input.createdBy}::uuid and company_id = (select public.current_company_id()))
      returning ${connectorColumns}`,
  );
  if (!connector) throw new CredentialError("forbidden", "not an admin user of this company");
  return connector;
}

/** The caller's company's connectors, oldest first. */
export async function listConnectors(tx: Transaction): Promise<Connector[]> {
  return queryRows<Connector>(
    tx,
    sql`select ${connectorColumns} from public.integration_connectors
      where company_id = (select public.current_company_id())
      order by created_at, id`,
  );
}
