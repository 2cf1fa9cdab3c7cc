// Background work of every API process (the audit sequencer, the lifecycle jobs): one round, then
// the next `intervalMs` after it ends, never two at once. A failed round (the database down) is
// logged with the error's name only and the next one tries again.
import type { Logger } from "./logger";

export interface Rounds {
  /** Stops scheduling and waits for a round in progress. */
  stop(): Promise<void>;
}

export function everyRound(
  work: () => Promise<unknown>,
  intervalMs: number,
  failed: { logger: Logger; event: string; message: string },
): Rounds {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<unknown> | undefined;
  let stopped = false;
  const round = () => {
    running = work()
      .catch((error: unknown) =>
        failed.logger.warn(
          { event: failed.event, errorName: (error as Error)?.name },
          failed.message,
        ),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(round, intervalMs).unref();
      });
  };
  timer = setTimeout(round, intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
