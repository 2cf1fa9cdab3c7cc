// Helpers of the audit-ledger suites: a connector's events as the superuser sees them, a fresh
// connector of company A, and one chaining step of the sequencer.
import { randomUUID } from "node:crypto";
import { chainEventsOperation } from "@vibot/db";
import { a, api, db } from "./suite";

export type EventRow = {
  id: string;
  action: string;
  connector_id: string | null;
  credential_id: string | null;
  version: number | null;
  actor: string | null;
  request_id: string | null;
};

/** Events of a connector, oldest first, as the superuser sees them. */
export const eventsOf = (connectorId: string) =>
  db.query<EventRow>(
    "select e.id::text, e.action, e.connector_id, e.credential_id, e.version, e.actor, e.request_id from connector_credential_events e where e.connector_id = $1 order by e.id",
    [connectorId],
  );

/** A fresh connector of A's, for tests that count its events. */
export async function freshConnector(): Promise<string> {
  const id = randomUUID();
  await db.query("insert into integration_connectors (id, company_id) values ($1, $2)", [
    id,
    a.companyId,
  ]);
  return id;
}

export const path = (connectorId: string) => `/v1/connectors/${connectorId}/credentials`;
export const chain = () => db.handle.run({}, chainEventsOperation(api.keyring));
