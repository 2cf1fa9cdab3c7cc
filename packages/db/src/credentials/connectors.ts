// The caller's integration connectors: created by admins, listed under RLS.
import { sql } from "drizzle-orm";
import type { Operation } from "../operation";
import { ADMIN_ROLE } from "../schema/roles";
import { CredentialError } from "./errors";
import { isoOf } from "./metadata";

export interface Connector {
  id: string;
  companyId: string;
  name: string;
  provider: string;
  createdAt: string;
}

const connectorColumns = sql`id, company_id as "companyId", name, provider, created_at as "createdAt"`;

type RawConnector = Omit<Connector, "createdAt"> & { createdAt: Date | string };
/** Fields named one by one, so that a replayed answer (read back from JSONB) keeps their order. */
const toConnector = (row: RawConnector): Connector => ({
  id: row.id,
  companyId: row.companyId,
  name: row.name,
  provider: row.provider,
  createdAt: isoOf(row.createdAt),
});

/** Creates a connector in the caller's company; refused unless the caller is an admin user of it. */
export function createConnectorOperation(input: {
  name: string;
  provider: string;
  createdBy: string;
}): Operation<Connector> {
  return {
    role: "service_role",
    body: {
      statements: [
        // service_role bypasses RLS: the company, role and user checks here are what admit the write.
        sql`insert into public.integration_connectors (company_id, name, provider)
        select (select public.current_company_id()), ${input.name}, ${input.provider}
        where (select public.has_role(${ADMIN_ROLE})) and exists (
          select 1 from public.users
          where id = ${input.createdBy}::uuid and company_id = (select public.current_company_id()))
        returning ${connectorColumns}`,
      ],
    },
    interpret([rows = []]) {
      const [connector] = rows as RawConnector[];
      if (!connector) throw new CredentialError("forbidden", "not an admin user of this company");
      return toConnector(connector);
    },
  };
}

/** The caller's company's connectors, oldest first. */
export function listConnectorsOperation(): Operation<Connector[]> {
  return {
    role: "authenticated",
    body: {
      statements: [
        // RLS ("Connectors visible to their company") already limits authenticated to its company.
        sql`select ${connectorColumns} from public.integration_connectors
        where company_id = (select public.current_company_id())
        order by created_at, id`,
      ],
    },
    interpret: ([rows = []]) => (rows as RawConnector[]).map(toConnector),
  };
}
