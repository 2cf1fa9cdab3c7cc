// The caller's integration connectors: created by admins, listed under RLS.
import { sql } from "drizzle-orm";
import type { Transaction } from "../client";
import { queryRows } from "../rows";
import { CredentialError } from "./errors";
import { epochMs, isoFromMs } from "./metadata";

export interface Connector {
  id: string;
  companyId: string;
  name: string;
  provider: string;
  createdAt: string;
}

const connectorColumns = sql`id, company_id as "companyId", name, provider,
  ${epochMs(sql`created_at`)} as "createdAtMs"`;

type RawConnector = Omit<Connector, "createdAt"> & { createdAtMs: number };
const toConnector = ({ createdAtMs, ...row }: RawConnector): Connector => ({
  ...row,
  createdAt: isoFromMs(createdAtMs),
});

/** Creates a connector in the caller's company; refused unless the caller is an admin user of it. */
export async function createConnector(
  tx: Transaction,
  input: { name: string; provider: string; createdBy: string },
): Promise<Connector> {
  const [connector] = await queryRows<RawConnector>(
    tx,
    sql`insert into public.integration_connectors (company_id, name, provider)
      select (select public.current_company_id()), ${input.name}, ${input.provider}
      where (select public.has_role('Vibot.admin')) and exists (
        select 1 from public.users
        where id = ${input.createdBy}::uuid and company_id = (select public.current_company_id()))
      returning ${connectorColumns}`,
  );
  if (!connector) throw new CredentialError("forbidden", "not an admin user of this company");
  return toConnector(connector);
}

/** The caller's company's connectors, oldest first. */
export async function listConnectors(tx: Transaction): Promise<Connector[]> {
  const rows = await queryRows<RawConnector>(
    tx,
    sql`select ${connectorColumns} from public.integration_connectors
      where company_id = (select public.current_company_id())
      order by created_at, id`,
  );
  return rows.map(toConnector);
}
