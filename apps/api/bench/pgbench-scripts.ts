// pgbench scripts of the request door's own messages: the statements it sends for an operation,
// captured through its logger, rewritten with pgbench variables and a random connector.
import { connectPostgres, type JwtClaims, type Operation } from "@vibot/db";

export interface Captured {
  query: string;
  params: unknown[];
}

/** The statements the request door sends for these operations, run at once, captured through its logger. */
export async function capture<T>(url: string, claims: JwtClaims, ...operations: Operation<T>[]) {
  const statements: Captured[] = [];
  const handle = connectPostgres(url, {
    max: 1,
    logger: { logQuery: (query, params) => statements.push({ query, params }) },
  });
  await Promise.all(operations.map((operation) => handle.run(claims, operation)));
  await handle.close();
  return statements;
}

/**
 * A pgbench script of the captured statements in the API's shape: one statement alone (its
 * implicit transaction), or several inside BEGIN/COMMIT. Parameters become pgbench variables
 * (bound in prepared mode); the connector id becomes an expression of a random number.
 */
export function script(
  statements: Captured[],
  connectorId: string,
  connectorExpression: (variable: string) => string,
  count: number,
) {
  const defines: string[] = [];
  const body = statements.map((statement, s) => {
    const query = statement.query.replace(/\$(\d+)/g, (_, index: string) => {
      const value = statement.params[Number(index) - 1];
      if (value === connectorId) return connectorExpression("n");
      if (value === null || value === undefined) return "NULL";
      const name = `s${s}p${index}`;
      defines.push(`${name}=${typeof value === "string" ? value : JSON.stringify(value)}`);
      return `:${name}`;
    });
    return `${query.replace(/\s*\n\s*/g, " ")};`;
  });
  const wrapped = body.length === 1 ? body : ["BEGIN;", ...body, "COMMIT;"];
  const text = [`\\set n random(1, ${count})`, ...wrapped, ""].join("\n");
  return { text, defines };
}

/**
 * The audited reads of one moment as the door commits them together: its one statement, each
 * array parameter written as an ARRAY[…] of one element per read (pgbench binds text variables,
 * not arrays), the connectors random.
 */
export function batchScript(
  batch: Captured,
  connectorId: string,
  connectorExpression: (variable: string) => string,
  count: number,
) {
  const defines: string[] = [];
  const variable = (name: string, value: unknown) => {
    defines.push(`${name}=${typeof value === "string" ? value : JSON.stringify(value)}`);
    return `:${name}`;
  };
  const size = (batch.params.find(Array.isArray) as unknown[] | undefined)?.length ?? 0;
  const query = batch.query.replace(/\$(\d+)/g, (_, index: string) => {
    const value = batch.params[Number(index) - 1];
    if (!Array.isArray(value)) return variable(`bp${index}`, value);
    const elements = value.map((element, i) =>
      element === connectorId
        ? connectorExpression(`n${i}`)
        : element === null
          ? "NULL"
          : variable(`bp${index}e${i}`, element),
    );
    return `ARRAY[${elements.join(", ")}]`;
  });
  const sets = Array.from({ length: size }, (_, i) => `\\set n${i} random(1, ${count})`);
  return { text: [...sets, `${query.replace(/\s*\n\s*/g, " ")};`, ""].join("\n"), defines, size };
}
