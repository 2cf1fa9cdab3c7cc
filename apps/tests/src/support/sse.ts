// Reads a Server-Sent Events response in process: parsed events plus the raw bytes.
export interface SseEvent {
  event: string;
  id?: string;
  data: string;
}

export interface SseStream {
  status: number;
  events: SseEvent[];
  /** Everything received, as text, for byte-level assertions. */
  raw(): string;
  /** Resolves once `count` events arrived (rejects after `timeoutMs`). */
  waitFor(count: number, timeoutMs?: number): Promise<SseEvent[]>;
  /**
   * The events received before the one about credential `id`, once that one arrived. Write a
   * sentinel change last and ask for what preceded it: the stream is in chain order, so nothing
   * committed before the sentinel can still arrive after it ("nothing else came" without a wait).
   */
  before(id: string, timeoutMs?: number): Promise<SseEvent[]>;
  /** Resolves once the comment `: text` arrived (a heartbeat, say; rejects after `timeoutMs`). */
  comment(text: string, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

type Fetcher = { request(path: string, init?: RequestInit): Response | Promise<Response> };

export async function openSse(
  app: Fetcher,
  path: string,
  headers: Record<string, string> = {},
): Promise<SseStream> {
  const controller = new AbortController();
  const response = await app.request(path, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  let raw = "";
  let buffer = "";
  const reader = response.body?.getReader();
  const decoder = new TextDecoder();
  const pump = (async () => {
    if (!reader || response.status !== 200) return;
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        const text = decoder.decode(value, { stream: true });
        raw += text;
        buffer += text;
        let end = buffer.indexOf("\n\n");
        while (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = Object.fromEntries(
            block
              .split("\n")
              .filter((line) => line && !line.startsWith(":"))
              .map((line) => [
                line.slice(0, line.indexOf(":")),
                line.slice(line.indexOf(":") + 1).trimStart(),
              ]),
          );
          if (fields.data !== undefined)
            events.push({ event: fields.event ?? "message", id: fields.id, data: fields.data });
          end = buffer.indexOf("\n\n");
        }
      }
    } catch {
      // aborted
    }
  })();
  return {
    status: response.status,
    events,
    raw: () => raw,
    async waitFor(count, timeoutMs = 1000) {
      const started = Date.now();
      while (events.length < count) {
        if (Date.now() - started > timeoutMs) {
          throw new Error(
            `expected ${count} events within ${timeoutMs} ms, got ${events.length}: ${raw}`,
          );
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      return events;
    },
    async before(id, timeoutMs = 2000) {
      const about = (e: SseEvent) => {
        const data = JSON.parse(e.data) as { new?: { id?: string }; old?: { id?: string } };
        return data.new?.id === id || data.old?.id === id;
      };
      const started = Date.now();
      for (;;) {
        const at = events.findIndex(about);
        if (at >= 0) return events.slice(0, at);
        if (Date.now() - started > timeoutMs)
          throw new Error(`no event about ${id} within ${timeoutMs} ms: ${raw}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async comment(text, timeoutMs = 2000) {
      const started = Date.now();
      while (!raw.includes(`: ${text}\n\n`)) {
        if (Date.now() - started > timeoutMs)
          throw new Error(`no comment "${text}" within ${timeoutMs} ms: ${raw}`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    async close() {
      controller.abort();
      await reader?.cancel().catch(() => undefined);
      await pump;
    },
  };
}
