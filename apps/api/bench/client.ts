// The client's bars (BENCHMARKS.md): cached getCurrent reads per second in process, and how soon a
// rotation made by another client reaches a subscribed client's cache (p99 over the rotations),
// against the bench's running API.
import { createVaultClient } from "@vibot/client";

export interface ClientFigures {
  cachedReadsPerSecond: number;
  invalidationP50Ms: number;
  invalidationP99Ms: number;
  rotations: number;
}

const yieldToIo = () => new Promise((resolve) => setImmediate(resolve));

export async function measureClient(
  url: string,
  token: string,
  connectorId: string,
  options: { seconds: number; rotations: number },
): Promise<ClientFigures> {
  const silent = { warn: () => {} };
  const reader = createVaultClient({ baseUrl: url, getToken: () => token, logger: silent });
  const writer = createVaultClient({
    baseUrl: url,
    getToken: () => token,
    realtime: false,
    logger: silent,
  });
  try {
    // Warm: until a read is answered from memory (the feed is live and the entry cached).
    for (let n = 0; n < 500; n++) {
      await reader.getCurrent(connectorId);
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    let reads = 0;
    const started = performance.now();
    const until = started + options.seconds * 1_000;
    while (performance.now() < until) {
      for (let i = 0; i < 10_000; i++) await reader.getCurrent(connectorId);
      reads += 10_000;
    }
    const cachedReadsPerSecond = reads / ((performance.now() - started) / 1_000);

    const delays: number[] = [];
    for (let n = 0; n < options.rotations; n++) {
      const written = await writer.rotate(connectorId, { secret: { apiKey: `sk_client_${n}` } });
      const acknowledged = performance.now();
      while ((await reader.getCurrent(connectorId)).version !== written.version) await yieldToIo();
      delays.push(performance.now() - acknowledged);
    }
    delays.sort((x, y) => x - y);
    const at = (q: number) =>
      delays[Math.min(delays.length - 1, Math.ceil(q * delays.length) - 1)] ?? 0;
    return {
      cachedReadsPerSecond,
      invalidationP50Ms: at(0.5),
      invalidationP99Ms: at(0.99),
      rotations: delays.length,
    };
  } finally {
    await Promise.all([reader.close(), writer.close()]);
  }
}
