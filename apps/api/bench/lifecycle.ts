// The lifecycle's figures (docs/ARCHITECTURE.md, "Version lifecycle"): staged rotations, each
// followed by its promote, driven from here (the promote needs the pending version's number), and
// the soft-deleted share of versions that the current read's figure is taken under.
import type { Database } from "@vibot/db";
import { queryRows } from "@vibot/db/testing";
import { sql } from "drizzle-orm";

export interface StagedFigures {
  /** Staged rotations promoted per second (each two requests). */
  pairsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  failed: number;
}

/**
 * `connections` workers, each over connectors of its own, for `seconds`: POST a pending version,
 * then POST its promote; the time of a pair is from the first request to the second's answer.
 */
export async function measureStagedRotations(
  url: string,
  headers: Record<string, string>,
  connectors: readonly string[],
  options: { seconds: number; connections: number },
): Promise<StagedFigures> {
  const times: number[] = [];
  let failed = 0;
  const until = performance.now() + options.seconds * 1_000;
  const post = (path: string, body: unknown) =>
    fetch(`${url}${path}`, { method: "POST", headers, body: JSON.stringify(body) });
  const worker = async (w: number) => {
    for (let n = 0; performance.now() < until; n++) {
      const connector = connectors[(w + n * options.connections) % connectors.length];
      const path = `/v1/connectors/${connector}/credentials`;
      const started = performance.now();
      const staged = await post(path, { secret: { apiKey: `sk_staged_${n}` }, stage: "pending" });
      const { version } = (await staged.json()) as { version?: number };
      const promoted = await post(`${path}/promote`, { version });
      await promoted.arrayBuffer();
      if (staged.status !== 201 || promoted.status !== 200) failed++;
      else times.push(performance.now() - started);
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: options.connections }, (_, w) => worker(w)));
  const elapsed = (performance.now() - started) / 1_000;
  times.sort((x, y) => x - y);
  const at = (q: number) => Number((times[Math.floor(q * (times.length - 1))] ?? 0).toFixed(1));
  return { pairsPerSecond: times.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99), failed };
}

/**
 * Marks `share` of the stored versions deleted (never a current one), as the operator, the way a
 * delete leaves them; returns how many. Undone by `restoreAll`.
 */
export async function softDeleteShare(db: Database, share: number): Promise<number> {
  const [row] = await queryRows<{ n: number }>(
    db,
    sql`with chosen as (
        select c.id, c.company_id, c.connector_id, c.version, c.rotated_at, c.rotated_by
        from connector_credentials c join integration_connectors ic on ic.id = c.connector_id
        where c.version is distinct from ic.current_version
          and (select count(*) from connector_credentials) * ${share}::float8 > 0
        order by md5(c.id::text)
        limit (select (count(*) * ${share}::float8)::int from connector_credentials)
      ), marked as (
        insert into connector_credential_lifecycle as l
          (credential_id, company_id, connector_id, version, rotated_at, rotated_by, deleted_at,
           purge_after)
        select id, company_id, connector_id, version, rotated_at, rotated_by, now(),
          now() + interval '7 days'
        from chosen
        on conflict (credential_id) do update set deleted_at = excluded.deleted_at,
          purge_after = excluded.purge_after
        returning 1
      )
      select count(*)::int as n from marked`,
  );
  await queryRows(db, sql`analyze connector_credential_lifecycle`);
  return row?.n ?? 0;
}

/** Clears every deletion mark softDeleteShare made. */
export async function restoreAll(db: Database): Promise<void> {
  await queryRows(db, sql`delete from connector_credential_lifecycle where deleted_at is not null`);
}
