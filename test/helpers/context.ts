import { randomBytes } from "node:crypto";
import type { S3Client } from "@aws-sdk/client-s3";
import { sql } from "kysely";
import { inject } from "vitest";
import { loadConfig, type ResolvedConfig, resolvedConfig } from "../../src/config/index.js";
import { createDb, type Db } from "../../src/db/database.js";
import { silentLogger } from "../../src/observability/logger.js";
import { createObjectStore } from "../../src/storage/create-object-store.js";
import type { ObjectStore } from "../../src/storage/object-store.js";
import { createS3Client } from "../../src/storage/s3-client.js";
import { API_KEY, S3_KEY, S3_SECRET, TEMPLATE_DB, WEBHOOK_TOKEN } from "./constants.js";

export interface TestContext {
  config: ResolvedConfig;
  db: Db;
  /** What intake's code is given: every call guarded. */
  store: ObjectStore;
  /** A raw client, for tests to look at (or tamper with) what storage holds. */
  s3: S3Client;
  databaseUrl: string;
  env: Record<string, string>;
  close(): Promise<void>;
}

/**
 * An isolated database (cloned from the migrated template) and bucket on the run's real
 * Postgres and MinIO. `env` is what a child process needs to use the same ones.
 */
export async function createTestContext(overrides: Record<string, string> = {}): Promise<TestContext> {
  const id = randomBytes(6).toString("hex");
  const database = `t_${id}`;
  const admin = createDb({ connectionString: inject("pgAdminUrl"), max: 1 });
  await sql.raw(`CREATE DATABASE ${database} TEMPLATE ${TEMPLATE_DB}`).execute(admin);
  await admin.destroy();
  const databaseUrl = `${inject("pgUrlPrefix")}${database}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    S3_ENDPOINT: inject("s3Endpoint"),
    S3_BUCKET: `t-${id}`,
    S3_ACCESS_KEY_ID: S3_KEY,
    S3_SECRET_ACCESS_KEY: S3_SECRET,
    INTAKE_API_KEY: API_KEY,
    INTAKE_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    LOG_LEVEL: "silent",
    ...overrides,
  };
  const config = resolvedConfig(loadConfig(env));
  const db = createDb({ connectionString: databaseUrl, max: 20 });
  const s3 = createS3Client({
    endpoint: env.S3_ENDPOINT!,
    region: config.s3.region,
    accessKeyId: S3_KEY,
    secretAccessKey: S3_SECRET,
  });
  const store = createObjectStore(config.s3);
  await store.ensureBucket({ notifications: false });
  return {
    config,
    db,
    store,
    s3,
    databaseUrl,
    env,
    async close() {
      await db.destroy();
      s3.destroy();
      store.destroy();
      const admin = createDb({ connectionString: inject("pgAdminUrl"), max: 1 });
      await sql.raw(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).execute(admin);
      await admin.destroy();
    },
  };
}

export const testLogger = silentLogger;
