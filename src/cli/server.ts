import { type ServerType, serve } from "@hono/node-server";
import { createApp } from "../api/app.js";
import { storeApiKey } from "../auth/api-keys.js";
import type { Config } from "../config/index.js";
import { StartupError } from "../config/startup-error.js";
import { NotificationListener } from "../db/notification-listener.js";
import { JobEventHub } from "../jobs/job-event-hub.js";
import { startRetention } from "../jobs/retention.js";
import type { JobStage } from "../jobs/state-machine.js";
import { createLogger, type Logger } from "../observability/logger.js";
import { Metrics } from "../observability/metrics.js";
import { startMetricsServer } from "../observability/metrics-server.js";
import { ocrAvailability } from "../pipeline/ocr/index.js";
import { isPortFree } from "../runtime/ports.js";
import { type Services, startServices } from "../runtime/services.js";
import { startOrphanSweep } from "../uploads/orphan-sweep.js";
import { startReconciler } from "../uploads/reconciler.js";
import { WebhookDeliverer } from "../webhooks/index.js";
import { createStageDeps } from "../worker/deps.js";
import { startWorker } from "../worker/runtime.js";

export interface RunOptions {
  api: boolean;
  stages: JobStage[];
  concurrency: number;
  /**
   * Where a process without the API serves /metrics; null for none. Defaults to
   * `INTAKE_METRICS_PORT`. API processes serve /metrics on the API port.
   */
  metricsPort?: number | null;
  /** Printed with the URL once running: which development services `intake start` runs. */
  notice?: string;
}

/**
 * Runs some mix of API (with its reconciler) and workers in this process until SIGTERM, SIGINT
 * or SIGHUP (its terminal closed), then shuts down in order: stop accepting, stop claiming,
 * release, close. The embedded Postgres runs in its own process group, so it is stopped here,
 * last, rather than by the terminal's signal.
 */
export async function run(config: Config, opts: RunOptions): Promise<void> {
  const logger: Logger = createLogger(config.logLevel);
  // Read before anything starts, so a bad value stops start-up with one line.
  const metricsPort = opts.api
    ? null
    : opts.metricsPort !== undefined
      ? opts.metricsPort
      : (config.metricsPort ?? null);
  // A taken API port is found before Postgres and MinIO start, not after.
  if (opts.api && !(await isPortFree(config.port))) throw portInUse(config.port);
  const metrics = new Metrics();
  metrics.collectProcessMetrics();
  const services = await startServices(config, logger, {
    apiPort: opts.api ? config.port : undefined,
    metrics,
  });
  const stops: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const stop of stops) await stop();
    await services.stop();
  };
  try {
    await startAll({ opts, services, logger, metrics, metricsPort, stops });
  } catch (err) {
    // Whatever started is stopped again, so a failed start leaves nothing running.
    await shutdown().catch(() => {});
    throw err;
  }

  await new Promise<void>((resolve) => {
    process.once("SIGTERM", resolve);
    process.once("SIGINT", resolve);
    process.once("SIGHUP", resolve);
  });
  logger.info("shutting down");
  await shutdown();
}

interface Running {
  opts: RunOptions;
  services: Services;
  logger: Logger;
  metrics: Metrics;
  metricsPort: number | null;
  /** Filled in as things start: each stops one of them, in order. */
  stops: (() => Promise<void>)[];
}

async function startAll({ opts, services, logger, metrics, metricsPort, stops }: Running): Promise<void> {
  const cfg = services.config;
  // One LISTEN connection serves the workers' queue channel and the API's event streams.
  const listener = new NotificationListener({ databaseUrl: cfg.databaseUrl, logger });
  stops.push(() => listener.close());

  if (cfg.apiKey) await storeApiKey(services.db, "default", cfg.apiKey, "bootstrap (INTAKE_API_KEY)");

  if (opts.stages.length > 0) {
    const deps = createStageDeps({ config: cfg, db: services.db, store: services.store, logger, metrics });
    const worker = await startWorker({
      deps,
      databaseUrl: cfg.databaseUrl,
      listener,
      stages: opts.stages,
      concurrency: opts.concurrency,
    });
    logger.info(
      { workerId: worker.workerId, stages: opts.stages, concurrency: opts.concurrency },
      "worker started",
    );
    const ocr = cfg.parse.ocr;
    if (ocr.enabled && opts.stages.includes("parse")) {
      const { available, reason } = await ocrAvailability({ languages: ocr.languages });
      if (!available) {
        logger.warn(
          `OCR is unavailable (${reason}); scanned pages and images complete with the warning no_text_layer`,
        );
      }
    }
    stops.unshift(() => worker.stop());
    // Worker processes also send the webhook outbox (woken by its NOTIFY on the same listener).
    const deliverer = new WebhookDeliverer({ db: services.db, listener, logger, settings: cfg.webhooks });
    await deliverer.start();
    logger.info({ deliverer: deliverer.owner }, "webhook deliverer started");
    stops.unshift(() => deliverer.stop());
    if (metricsPort !== null) {
      const server = await startMetricsServer(metrics, metricsPort, undefined, cfg.metricsToken);
      logger.info({ url: `http://localhost:${server.port}/metrics`, port: server.port }, "metrics listening");
      stops.push(() => server.close());
    } else if (!opts.api) {
      logger.info("worker metrics are not served; set INTAKE_METRICS_PORT to expose /metrics");
    }
  }
  if (opts.api) {
    const eventHub = new JobEventHub({ listener, logger, metrics });
    const app = createApp({
      config: cfg,
      db: services.db,
      store: services.store,
      logger,
      metrics,
      eventHub,
    });
    const server = await listenOn(app.fetch, cfg.port);
    const stopReconciler = startReconciler({
      config: cfg,
      db: services.db,
      store: services.store,
      logger,
      metrics,
    });
    const stopRetention = startRetention({ config: cfg, db: services.db, store: services.store, logger });
    const stopOrphanSweep = startOrphanSweep({ config: cfg, db: services.db, store: services.store, logger });
    stops.unshift(async () => {
      // Ends every open event stream first: the server's close waits for its responses.
      await eventHub.close();
      await new Promise((r) => server.close(() => r(null)));
      await stopReconciler();
      await stopRetention();
      await stopOrphanSweep();
    });
    logger.info({ url: `http://localhost:${cfg.port}` }, "API listening");
    if (opts.stages.length > 0) {
      console.log(
        `\nintake is running at http://localhost:${cfg.port}\n  API key (tenant default): ${cfg.apiKey}\n${opts.notice ?? ""}`,
      );
    }
  }
}

const portInUse = (port: number) =>
  new StartupError(`the API's port ${port} (PORT) is already in use; set PORT to a free port`);

/** The API's HTTP server, once it listens; a taken port is a StartupError naming PORT. */
function listenOn(fetch: (req: Request) => Response | Promise<Response>, port: number): Promise<ServerType> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname: "0.0.0.0" });
    server.once("listening", () => resolve(server));
    server.once("error", (err: NodeJS.ErrnoException) =>
      reject(err.code === "EADDRINUSE" ? portInUse(port) : err),
    );
  });
}
