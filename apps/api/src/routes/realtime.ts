// GET /v1/realtime?channel=public:connector_credentials: Server-Sent Events of the caller's
// company's committed credential changes, metadata only, with heartbeats and Last-Event-ID replay
// from the audit ledger (deletions included), or `event: reset` when that position is older than
// REALTIME_REPLAY_MAX_AGE or was pruned.
// A stream ends when its token expires, when the server shuts down, or when the client leaves.
import { type Keyring, openEventId } from "@vibot/crypto";
import { changesSinceOperation, replayableOperation } from "@vibot/db";
import { Hono } from "hono";
import { streamSSE } from "hono/streaming";
import type { AppEnv } from "../env";
import { ApiError } from "../errors";
import { CHANNEL, type ChangeEvent, changeEventFromLedger } from "../realtime/change-event";
import { run } from "../request-context";

/** The chain position a Last-Event-ID names, undefined when absent; 400 when it is not ours. */
function replayAfter(keyring: Keyring, lastEventId: string | undefined): string | undefined {
  if (lastEventId === undefined || lastEventId === "") return undefined;
  const position = openEventId(keyring, lastEventId, "position");
  if (position === undefined) {
    throw new ApiError("bad_request", "Last-Event-ID is not an event id of this stream", [
      { field: "Last-Event-ID", message: "must be an id received from this stream" },
    ]);
  }
  return String(position);
}

/** Replayed changes per statement. */
const REPLAY_PAGE = 1000;

export const realtime = new Hono<AppEnv>();

realtime.get("/", async (c) => {
  if (c.req.query("channel") !== CHANNEL) {
    throw new ApiError("bad_request", `unknown channel; the only channel is ${CHANNEL}`, [
      { field: "channel", message: `must be ${CHANNEL}` },
    ]);
  }
  const { caller, deps } = c.var;
  const after = replayAfter(deps.keyring, c.req.header("last-event-id"));
  if (deps.realtime.hub.closed)
    throw new ApiError("service_unavailable", "shutting down", undefined, 1);
  const release = deps.realtime.limits.tryOpen(caller.tokenKey, caller.companyId);
  if (!release) {
    throw new ApiError("too_many_requests", "too many realtime streams", undefined, 5);
  }
  // Attached before the replay is read, so that nothing chained in between is lost: what it
  // brings meanwhile waits, and the stream skips any position it already sent.
  let live: ChangeEvent[] | undefined = [];
  let deliver: (event: ChangeEvent) => void = (event) => live?.push(event);
  let end: (reason: string) => void = () => {};
  const ended = new Promise<string>((resolve) => {
    end = resolve;
  });
  let detach = () => {};
  // A position too old or pruned cannot be replayed exactly: the client is told to start over.
  let reset = false;
  try {
    detach = await deps.realtime.hub.subscribe(
      caller.companyId,
      (event) => deliver(event),
      () => end("server shutting down"),
    );
    if (after !== undefined)
      reset = !(await run(c, replayableOperation(after, deps.realtime.replayMaxAgeMs)));
  } catch (error) {
    detach();
    release();
    throw error;
  }

  return streamSSE(c, async (stream) => {
    let sent = after === undefined || reset ? -1n : BigInt(after);
    const send = (event: ChangeEvent) => {
      if (event.position <= sent) return;
      sent = event.position;
      void stream.writeSSE({
        event: event.kind,
        id: event.id,
        data: JSON.stringify(event.payload),
      });
    };
    // setTimeout's largest delay is about 24.8 days; a longer-lived token reconnects then.
    const untilExpiry = Math.min(caller.expiresAt - Date.now(), 2_147_483_647);
    const expiry = setTimeout(() => end("token expired"), untilExpiry);
    try {
      stream.onAbort(() => end("client left"));
      await stream.write(": connected\n\n");
      if (reset) {
        await stream.writeSSE({
          event: "reset",
          data: JSON.stringify({ reason: "replay_unavailable" }),
        });
      } else {
        // Every change of the company since that position, deletions included, in chain order,
        // sent page by page as it is read (never collected first).
        for (let from = after; from !== undefined && !stream.aborted; ) {
          const page = await run(c, changesSinceOperation(from, REPLAY_PAGE));
          for (const change of page) send(changeEventFromLedger(change, deps.keyring));
          from = page.length === REPLAY_PAGE ? page.at(-1)?.chain_seq : undefined;
        }
      }
      for (const event of live ?? []) send(event);
      live = undefined;
      deliver = send;
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
