// The rows of BENCHMARKS.md's table from one run's figures: each measurement, its ratio, its bar.
import { MAX_READ_BATCH } from "@vibot/db";
import type { ClientFigures } from "./client";
import type { StagedFigures } from "./lifecycle";
import type { LoadFigures } from "./load";
import type { PgbenchFigures } from "./pgbench";
import type { Row } from "./report";

/** What one run measured (run.ts). */
export interface RunFigures {
  floor: LoadFigures;
  read1k: LoadFigures;
  readQuiet: LoadFigures;
  readUndeleted: LoadFigures;
  readDeleted: LoadFigures;
  deletedShare: number;
  rotations: LoadFigures;
  rotationsUnaudited: LoadFigures;
  /** The floor again, in alternating rounds with the rotations. */
  floorAtRotations: LoadFigures;
  staged: StagedFigures;
  hot: LoadFigures;
  hotState: { counter: number; kept: number; newest: number } | undefined;
  filled: number;
  readMillion: LoadFigures;
  events: number;
  readMillionEvents: LoadFigures;
  pglite: LoadFigures;
  client: ClientFigures;
  batch10: LoadFigures;
  batch100: LoadFigures;
  backlog: { backlog: number; seconds: number };
  rssMiB: number;
  pg: PgbenchFigures;
}

export function reportRows(figures: RunFigures): Row[] {
  const {
    floor,
    read1k,
    readQuiet,
    readUndeleted,
    readDeleted,
    deletedShare,
    rotations,
    rotationsUnaudited,
    floorAtRotations,
    staged,
    hot,
    hotState,
    filled,
    readMillion,
    events,
    readMillionEvents,
    pglite,
    client,
    batch10,
    batch100,
    backlog,
    rssMiB,
    pg,
  } = figures;
  const fig = (f: LoadFigures) =>
    `${Math.round(f.rps)} req/s, p50 ${f.p50} ms, p99 ${f.p99} ms, API CPU ${f.cpuMicros} µs/req${f.databaseCpuMicros > 0 ? `, database CPU ${f.databaseCpuMicros} µs/req` : ""}`;
  return [
    { name: "floor: plain PK SELECT, same HTTP stack", figures: fig(floor) },
    {
      // The read's bars are set with read auditing off; the audited read is compared with it.
      name: "current read, read auditing off (JWT, tx, RLS, checksum, decrypt)",
      figures: fig(readQuiet),
      ratio: readQuiet.rps / floor.rps,
      bar: ">= 0.70x floor req/s (milestone 0.50x)",
      met:
        readQuiet.rps / floor.rps >= 0.7
          ? true
          : readQuiet.rps / floor.rps >= 0.5
            ? "milestone"
            : false,
    },
    {
      name: "current read p99 vs floor p99 (read auditing off)",
      figures: `${readQuiet.p99} ms vs ${floor.p99} ms`,
      ratio: readQuiet.p99 / floor.p99,
      bar: "<= 3x floor p99",
      met: readQuiet.p99 <= 3 * floor.p99,
    },
    {
      name: "current read with read auditing on (the default)",
      figures: fig(read1k),
      ratio: read1k.rps / floor.rps,
    },
    {
      name: "current read, auditing on vs off",
      figures: `${Math.round(read1k.rps)} vs ${Math.round(readQuiet.rps)} req/s`,
      ratio: read1k.rps / readQuiet.rps,
      bar: ">= 0.70x",
      met: read1k.rps / readQuiet.rps >= 0.7,
    },
    {
      name: `current read (auditing on) with 10% of versions soft-deleted (${deletedShare} rows) vs none`,
      figures: `${Math.round(readDeleted.rps)} vs ${Math.round(readUndeleted.rps)} req/s (${fig(readDeleted)})`,
      ratio: readDeleted.rps / readUndeleted.rps,
      bar: ">= 0.90x (within noise)",
      met: readDeleted.rps / readUndeleted.rps >= 0.9,
    },
    {
      name: "current read p99 with auditing on vs floor p99",
      figures: `${read1k.p99} ms vs ${floor.p99} ms`,
      ratio: read1k.p99 / floor.p99,
    },
    {
      name: "rotations across distinct connectors (vs the floor in alternating rounds)",
      figures: `${fig(rotations)}; floor ${Math.round(floorAtRotations.rps)} req/s`,
      ratio: rotations.rps / floorAtRotations.rps,
      bar: ">= 0.30x floor req/s",
      met: rotations.rps / floorAtRotations.rps >= 0.3,
    },
    {
      name: "rotations, audit ledger vs its writes taken out",
      figures: `${Math.round(rotations.rps)} vs ${Math.round(rotationsUnaudited.rps)} req/s (without: ${fig(rotationsUnaudited)})`,
      ratio: rotations.rps / rotationsUnaudited.rps,
      bar: ">= 0.90x",
      met: rotations.rps / rotationsUnaudited.rps >= 0.9,
    },
    {
      name: "staged rotation and its promote (two requests) vs two plain rotations",
      figures: `${Math.round(staged.pairsPerSecond)} pairs/s, p50 ${staged.p50Ms} ms, p99 ${staged.p99Ms} ms, ${staged.failed} failed`,
      ratio: (2 * staged.pairsPerSecond) / rotations.rps,
    },
    {
      name: "32 writers on one connector",
      figures: `${fig(hot)}; ${hot.completed} rotations, counter ${hotState?.counter}, newest kept ${hotState?.newest}, ${hot.non2xx} failed`,
      bar: "every version kept, progress",
      met: hot.non2xx === 0 && hot.completed > 0 && hotState?.counter === hotState?.newest,
    },
    {
      name: `current read p50 at ${filled.toLocaleString("en")} rows vs 1,000`,
      figures: `${readMillion.p50} ms vs ${read1k.p50} ms (${fig(readMillion)})`,
      ratio: readMillion.p50 / read1k.p50,
      bar: "<= 1.2x",
      met: readMillion.p50 <= 1.2 * read1k.p50,
    },
    {
      name: `current read p50 at ${events.toLocaleString("en")} audit events vs a fresh ledger`,
      figures: `${readMillionEvents.p50} ms vs ${read1k.p50} ms (${fig(readMillionEvents)})`,
      ratio: readMillionEvents.p50 / read1k.p50,
      bar: "<= 1.2x",
      met: readMillionEvents.p50 <= 1.2 * read1k.p50,
    },
    {
      name: "current read on embedded PGlite",
      figures: fig(pglite),
      bar: ">= 500 req/s",
      met: pglite.rps >= 500,
    },
    {
      name: "client: cached getCurrent in process",
      figures: `${Math.round(client.cachedReadsPerSecond).toLocaleString("en")} reads/s`,
      bar: ">= 100,000 reads/s",
      met: client.cachedReadsPerSecond >= 100_000,
    },
    ...[
      [10, batch10],
      [100, batch100],
    ].map(([n, f]) => {
      const size = n as number;
      const figures = f as LoadFigures;
      const perCredential = (figures.cpuMicros + figures.databaseCpuMicros) / size;
      const single = read1k.cpuMicros + read1k.databaseCpuMicros;
      return {
        name: `batch read of ${size} (read auditing on): CPU per credential vs a single current read`,
        figures: `${Math.round(figures.rps * size)} credentials/s (${fig(figures)}); ${perCredential.toFixed(0)} vs ${single} µs API+database CPU`,
        ratio: perCredential / single,
        ...(size === 100 ? { bar: "<= 0.30x", met: perCredential / single <= 0.3 } : {}),
      };
    }),
    {
      name: "audit sequencer: the backlog the batch reads left, chained before the rotations",
      figures: `${backlog.backlog.toLocaleString("en")} events in ${backlog.seconds.toFixed(1)} s (${Math.round(backlog.backlog / Math.max(backlog.seconds, 0.001)).toLocaleString("en")} events/s)`,
    },
    {
      name: `client: rotation by another client to a subscribed cache (${client.rotations} rotations)`,
      figures: `p50 ${client.invalidationP50Ms.toFixed(1)} ms, p99 ${client.invalidationP99Ms.toFixed(1)} ms`,
      bar: "p99 <= 1 s",
      met: client.rotations === 100 && client.invalidationP99Ms <= 1_000,
    },
    { name: "API resident memory under read load (peak)", figures: `${rssMiB} MiB` },
    {
      name: "pgbench: plain PK SELECT of a bytea row",
      figures: `${Math.round(pg.plainSelect)} tps`,
    },
    {
      name: "pgbench: the API's current-read statements, one read alone (read auditing on)",
      figures: `${Math.round(pg.currentRead)} tps`,
      ratio: pg.currentRead / pg.plainSelect,
    },
    {
      name: "pgbench: the API's current-read statement, read auditing off",
      figures: `${Math.round(pg.currentReadQuiet)} tps`,
      ratio: pg.currentReadQuiet / pg.plainSelect,
    },
    {
      name: `pgbench: the API's current-read statements, ${MAX_READ_BATCH} committed together (one statement)`,
      figures: `${Math.round(pg.currentReadBatched)} reads/s`,
      ratio: pg.currentReadBatched / pg.plainSelect,
    },
    { name: "pgbench: plain INSERT of a bytea row", figures: `${Math.round(pg.plainInsert)} tps` },
    {
      name: "pgbench: the API's rotation statements",
      figures: `${Math.round(pg.rotation)} tps`,
      ratio: pg.rotation / pg.plainInsert,
    },
    ...(
      [
        ["current read, read auditing off", "readQuiet"],
        ["current read, read auditing on", "read"],
        ["rotation", "rotation"],
      ] as const
    ).map(([what, key]) => ({
      name: `pgbench: the API's ${what} vs its hand-written equivalent (alternating rounds)`,
      figures: `${Math.round(pg.paired[key])} vs ${Math.round(pg.equivalents[key])} tps`,
      ratio: pg.paired[key] / pg.equivalents[key],
      bar: ">= 0.70x",
      met: pg.paired[key] / pg.equivalents[key] >= 0.7,
    })),
  ];
}
