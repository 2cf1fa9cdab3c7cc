// The HTTP server around the app: deliberate timeouts and connection cap, and a draining shutdown —
// stop accepting, answer in-flight requests with `Connection: close`, end realtime streams, close
// idle sockets, wait for the rest up to a grace period, then close the database.
import type { Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import type { App } from "./app";

export interface ServerOptions {
  host: string;
  port: number;
  /**
   * How long an idle keep-alive socket stays open. A load balancer in front must close idle
   * connections sooner (its idle timeout below this), or it may reuse a socket we are closing.
   */
  keepAliveTimeoutMs: number;
  /** Sockets served at once; past it, new connections are refused by the kernel's backlog. */
  maxConnections?: number;
}

export interface RunningServer {
  server: Server;
  port: number;
  /** Requests whose responses have not finished (realtime streams included). */
  readonly inFlight: number;
  /** Drains and closes; resolves true when every request finished within `graceMs`. */
  drain(graceMs: number, endStreams: () => void): Promise<boolean>;
}

export function startServer(app: App, options: ServerOptions): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const responses = new Set<ServerResponse>();
    let draining = false;
    const server = serve({
      fetch: app.fetch,
      hostname: options.host,
      port: options.port,
    }) as Server;
    server.keepAliveTimeout = options.keepAliveTimeoutMs;
    // Node's rule: headersTimeout above keepAliveTimeout, so an idle socket is closed first.
    server.headersTimeout = options.keepAliveTimeoutMs + 1_000;
    // Bounds receiving a request (not the response: realtime streams last long).
    server.requestTimeout = 30_000;
    server.maxConnections = options.maxConnections ?? 10_000;
    server.on("request", (_request, response: ServerResponse) => {
      responses.add(response);
      response.once("close", () => {
        responses.delete(response);
        // A keep-alive socket that finished its last response during the drain is idle now.
        if (draining) setImmediate(() => server.closeIdleConnections());
      });
      if (draining && !response.headersSent) response.setHeader("connection", "close");
    });
    server.once("error", reject);
    server.once("listening", () => {
      server.off("error", reject);
      const port = (server.address() as AddressInfo).port;
      resolve({
        server,
        port,
        get inFlight() {
          return responses.size;
        },
        async drain(graceMs, endStreams) {
          draining = true;
          for (const response of responses)
            if (!response.headersSent) response.setHeader("connection", "close");
          const closed = new Promise<void>((done) => server.close(() => done()));
          server.closeIdleConnections();
          endStreams();
          const finished = await Promise.race([
            closed.then(() => true),
            new Promise<boolean>((done) => setTimeout(() => done(false), graceMs).unref()),
          ]);
          server.closeAllConnections();
          return finished;
        },
      });
    });
  });
}
