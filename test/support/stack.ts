import { chmod, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import { createDb } from "../../src/db/database.js";
import { type RunningPostgres, startEmbeddedPostgres } from "../../src/db/embedded-postgres.js";
import { migrateToLatest } from "../../src/db/migrate.js";
import { findMinioBinary, type LocalMinio, startLocalMinio } from "../../src/storage/local-minio.js";
import { freePort } from "../helpers/free-port.js";

export const S3_KEY = "intake-bench";
export const S3_SECRET = "intake-bench-secret";
export const API_KEY = "bench-api-key-of-tenant-default";

/**
 * A Postgres and a MinIO of their own for a bench or chaos run, in a fresh directory under the
 * system temp dir (mode 755: Postgres runs as the `postgres` user when we are root). Postgres
 * is durable (fsync on), because the commit ceiling and the restart scenarios depend on it.
 */
export interface Stack {
  root: string;
  pgPort: number;
  s3Port: number;
  pg: RunningPostgres;
  minio: LocalMinio;
  adminUrl: string;
  /** Creates a database, applies intake's migrations and returns its URL. */
  createDatabase(name: string): Promise<string>;
  stopMinio(): Promise<void>;
  startMinio(): Promise<void>;
  stopPostgres(): Promise<void>;
  startPostgres(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(prefix: string): Promise<Stack> {
  if (!(await findMinioBinary())) {
    throw new Error("MinIO is not built. Build it once with: bash minio/build.sh  (needs Go; a few minutes)");
  }
  const root = await mkdtemp(path.join(os.tmpdir(), `${prefix}-`));
  await chmod(root, 0o755);
  const [pgPort, s3Port] = [await freePort(), await freePort()];
  const startPg = () =>
    startEmbeddedPostgres({ dataDir: path.join(root, "pg"), port: pgPort, ephemeral: false });
  const startS3 = () =>
    startLocalMinio({
      port: s3Port,
      dataDir: path.join(root, "minio"),
      accessKeyId: S3_KEY,
      secretAccessKey: S3_SECRET,
    });
  const stack: Stack = {
    root,
    pgPort,
    s3Port,
    pg: await startPg(),
    minio: await startS3(),
    adminUrl: "",
    async createDatabase(name) {
      const admin = createDb({ connectionString: stack.pg.url("intake"), max: 1 });
      await sql.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`).execute(admin);
      await sql.raw(`CREATE DATABASE ${name}`).execute(admin);
      await admin.destroy();
      const url = stack.pg.url(name);
      const db = createDb({ connectionString: url, max: 1 });
      await migrateToLatest(db);
      await db.destroy();
      return url;
    },
    stopMinio: () => stack.minio.stop(),
    async startMinio() {
      stack.minio = await startS3();
    },
    stopPostgres: () => stack.pg.stop(),
    async startPostgres() {
      stack.pg = await startPg();
    },
    async stop() {
      await stack.minio.stop().catch(() => {});
      await stack.pg.stop().catch(() => {});
      await rm(root, { recursive: true, force: true });
    },
  };
  stack.adminUrl = stack.pg.url("intake");
  return stack;
}

/** The environment an `intake serve` or `intake worker` child needs to use this stack. */
export function intakeEnv(
  stack: Stack,
  databaseUrl: string,
  bucket: string,
  extra: Record<string, string> = {},
) {
  return {
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: `http://127.0.0.1:${stack.s3Port}`,
    S3_BUCKET: bucket,
    S3_ACCESS_KEY_ID: S3_KEY,
    S3_SECRET_ACCESS_KEY: S3_SECRET,
    INTAKE_API_KEY: API_KEY,
    INTAKE_DATA_DIR: path.join(stack.root, "intake-data"),
    LOG_LEVEL: "info",
    // Benchmarks and chaos runs measure intake, not its per-tenant rate limit.
    INTAKE_TENANT_UPLOADS_PER_MINUTE: "0",
    ...extra,
  };
}
