// GET /v1/realtime?channel=public:connector_credentials: Server-Sent Events of the caller's
// company's committed credential changes, metadata only, with heartbeats and Last-Event-ID replay.
// A stream ends when its token expires, when the server shuts down, or when the client leaves.
import { type CredentialVersion, credentialVersionsSinceOperation } from "@vibot/db";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { CHANNEL, type ChangeEvent, changeEvent } from "../realtime/hub";
import { run } from "../request-context";

/**
 * How far before the last delivered event a replay looks: `rotated_at` is the writing
 * transaction's start, which precedes its commit, so a rotation that was in flight when the
 * client dropped can carry an earlier timestamp. Replayed events may repeat ones already seen;
 * clients dedupe by `new.id`.
 */
const REPLAY_SLACK_MS = 5_000;
/** Event ids are `<epoch ms>-<hex>`; the time must be a real date. */
const EVENT_ID = /^(\d{1,16})(?:-[0-9a-f]{1,32})?$/;
const MAX_DATE_MS = 8.64e15;

/** The time a Last-Event-ID names, undefined when absent; 400 when it is not one of ours. */
function replayFrom(lastEventId: string | undefined): Date | undefined {
  if (lastEventId === undefined || lastEventId === "") return undefined;
  const ms = Number(EVENT_ID.exec(lastEventId)?.[1] ?? Number.NaN);
  if (!Number.isSafeInteger(ms) || ms - REPLAY_SLACK_MS < 0 || ms > MAX_DATE_MS) {
    throw new ApiError("bad_request", "Last-Event-ID is not an event id of this stream", [
      { field: "Last-Event-ID", message: "must be an id received from this stream" },
    ]);
  }
  return new Date(ms - REPLAY_SLACK_MS);
}

export const realtime = new Hono<AppEnv>();

realtime.get("/", async (c) => {
  if (c.req.query("channel") !== CHANNEL) {
    throw new ApiError("bad_request", `unknown channel; the only channel is ${CHANNEL}`, [
      { field: "channel", message: `must be ${CHANNEL}` },
    ]);
  }
  const { caller, deps } = c.var;
  const since = replayFrom(c.req.header("last-event-id"));
  if (deps.realtime.hub.closed)
    throw new ApiError("service_unavailable", "shutting down", undefined, 1);
  const release = deps.realtime.limits.tryOpen(caller.tokenKey, caller.companyId);
  if (!release) {
    throw new ApiError("too_many_requests", "too many realtime streams", undefined, 5);
  }
  let missed: CredentialVersion[] = [];
  try {
    if (since) missed = await run(c, credentialVersionsSinceOperation(since));
  } catch (error) {
    release();
    throw error;
  }

  return streamSSE(c, async (stream) => {
    let end: (reason: string) => void = () => {};
    const ended = new Promise<string>((resolve) => {
      end = resolve;
    });
    const send = (event: ChangeEvent) =>
      stream.writeSSE({
        event: event.payload.eventType,
        id: event.id,
        data: JSON.stringify(event.payload),
      });
    // setTimeout's largest delay is about 24.8 days; a longer-lived token reconnects then.
    const untilExpiry = Math.min(caller.expiresAt - Date.now(), 2_147_483_647);
    const expiry = setTimeout(() => end("token expired"), untilExpiry);
    let detach = () => {};
    try {
      detach = await deps.realtime.hub.subscribe(
        caller.companyId,
        (event) => void send(event),
        () => end("server shutting down"),
      );
      stream.onAbort(() => end("client left"));
      await stream.write(": connected\n\n");
      for (const row of missed) {
        const rotatedAt = new Date(row.rotatedAt);
        await send(
          changeEvent(`${rotatedAt.getTime()}-0`, caller.companyId, "INSERT", rotatedAt, {
            new: row,
          }),
        );
      }
      for (;;) {
        let tick: NodeJS.Timeout | undefined;
        const beat = new Promise<undefined>((resolve) => {
          tick = setTimeout(() => resolve(undefined), deps.realtime.heartbeatMs);
        });
        const reason = await Promise.race([ended, beat]);
        clearTimeout(tick);
        if (stream.aborted || stream.closed) break;
        if (reason) {
          await stream.write(`: ${reason}\n\n`);
          break;
        }
        await stream.write(": heartbeat\n\n");
      }
    } finally {
      clearTimeout(expiry);
      detach();
      release();
      await stream.close();
    }
  });
});
