import { createHash, timingSafeEqual } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { Metrics } from "./metrics.js";

export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

/**
 * Serves `GET /metrics` (and `/healthz`) on its own port, for processes without the API: a
 * worker's stage durations, retries and breaker states live in its own memory, so Prometheus
 * scrapes each worker like any other target.
 */
export async function startMetricsServer(
  metrics: Metrics,
  port: number,
  host = "0.0.0.0",
  token?: string,
): Promise<MetricsServer> {
  const digest = (s: string) => createHash("sha256").update(s, "utf8").digest();
  const authorized = (header: string | undefined) => {
    if (token === undefined) return true;
    const given = /^Bearer\s+(\S+)\s*$/i.exec(header ?? "")?.[1];
    return given !== undefined && timingSafeEqual(digest(given), digest(token));
  };
  const server = http.createServer(async (req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method === "GET" && path === "/metrics" && !authorized(req.headers.authorization)) {
      res.writeHead(401, { "content-type": "text/plain" }).end("missing or wrong metrics token");
    } else if (req.method === "GET" && path === "/metrics") {
      try {
        const body = await metrics.registry.metrics();
        res.writeHead(200, { "content-type": metrics.registry.contentType }).end(body);
      } catch {
        res.writeHead(500, { "content-type": "text/plain" }).end("metrics failed");
      }
    } else if (req.method === "GET" && path === "/healthz") {
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"ok"}');
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found; try /metrics");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new Error(`INTAKE_METRICS_PORT: port ${port} is in use; give each worker process its own, or 0`)
          : err,
      ),
    );
    server.listen(port, host, () => resolve());
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
