// GET /v1/realtime?channel=public:connector_credentials: Server-Sent Events of the caller's
// company's committed credential changes, metadata only, with heartbeats and Last-Event-ID replay.
import { credentialVersionsSince } from "@vibot/db";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { requireAdmin } from "../middleware/auth";
import { CHANNEL, type ChangeEvent, changeEvent } from "../realtime/hub";
import { asReader } from "../request-context";

/**
 * How far before the last delivered event a replay looks: `rotated_at` is the writing
 * transaction's start, which precedes its commit, so a rotation that was in flight when the
 * client dropped can carry an earlier timestamp. Replayed events may repeat ones already seen;
 * clients dedupe by `new.id`.
 */
const REPLAY_SLACK_MS = 5_000;

export const realtime = new Hono<AppEnv>();

realtime.get("/", requireAdmin({ allowQueryToken: true }), async (c) => {
  if (c.req.query("channel") !== CHANNEL) {
    throw new ApiError("bad_request", `unknown channel; the only channel is ${CHANNEL}`, [
      { field: "channel", message: `must be ${CHANNEL}` },
    ]);
  }
  const { caller, deps } = c.var;
  const lastEventId = c.req.header("last-event-id");
  const lastMs = lastEventId ? Number.parseInt(lastEventId, 10) : Number.NaN;
  const missed = Number.isFinite(lastMs)
    ? await asReader(c, (tx) => credentialVersionsSince(tx, new Date(lastMs - REPLAY_SLACK_MS)))
    : [];

  return streamSSE(c, async (stream) => {
    const send = (event: ChangeEvent) =>
      stream.writeSSE({
        event: event.payload.eventType,
        id: event.id,
        data: JSON.stringify(event.payload),
      });
    const detach = await deps.realtime.hub.subscribe(caller.companyId, (event) => {
      void send(event);
    });
    stream.onAbort(detach);
    try {
      await stream.write(": connected\n\n");
      for (const row of missed) {
        const rotatedAt = new Date(row.rotatedAt);
        await send(
          changeEvent(`${rotatedAt.getTime()}-0`, caller.companyId, "INSERT", rotatedAt, {
            new: row,
          }),
        );
      }
      while (!stream.aborted && !stream.closed) {
        await stream.sleep(deps.realtime.heartbeatMs);
        if (!stream.aborted) await stream.write(": heartbeat\n\n");
      }
    } finally {
      detach();
    }
  });
});
