import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sql } from "kysely";
import type { TestProject } from "vitest/node";
import { createDb } from "../src/db/database.js";
import { startEmbeddedPostgres } from "../src/db/embedded-postgres.js";
import { migrateToLatest } from "../src/db/migrate.js";
import { findMinioBinary, startLocalMinio } from "../src/storage/local-minio.js";
import { S3_KEY, S3_SECRET, TEMPLATE_DB } from "./helpers/constants.js";
import { freePort } from "./helpers/free-port.js";

declare module "vitest" {
  export interface ProvidedContext {
    pgAdminUrl: string;
    pgUrlPrefix: string;
    s3Endpoint: string;
    minioDataDir: string;
  }
}

/**
 * Starts one real Postgres and one real MinIO for the whole run and a migrated template
 * database that each test file clones (CREATE DATABASE … TEMPLATE is a file copy, ~50 ms).
 * Everything is stopped in teardown, which vitest runs even when tests fail.
 */
export default async function setup(project: TestProject) {
  const minioBin = await findMinioBinary();
  if (!minioBin) {
    throw new Error("MinIO is not built. Build it once with: bash minio/build.sh  (needs Go; a few minutes)");
  }
  // A private (700) directory: run as root, the embedded Postgres keeps its cluster where the
  // postgres user can reach it (see src/db/embedded-postgres.ts), as `intake start` does.
  const root = await mkdtemp(path.join(os.tmpdir(), "intake-test-"));
  const [pgPort, s3Port] = [await freePort(), await freePort()];
  const pgServer = await startEmbeddedPostgres({
    dataDir: path.join(root, "pg"),
    port: pgPort,
    ephemeral: true,
  });
  const minio = await startLocalMinio({
    port: s3Port,
    dataDir: path.join(root, "minio"),
    accessKeyId: S3_KEY,
    secretAccessKey: S3_SECRET,
  });

  const admin = createDb({ connectionString: pgServer.url("intake"), max: 1 });
  await sql.raw(`CREATE DATABASE ${TEMPLATE_DB}`).execute(admin);
  await admin.destroy();
  const template = createDb({ connectionString: pgServer.url(TEMPLATE_DB), max: 1 });
  await migrateToLatest(template);
  await template.destroy();

  project.provide("pgAdminUrl", pgServer.url("intake"));
  project.provide("pgUrlPrefix", pgServer.url(""));
  project.provide("s3Endpoint", minio.endpoint);
  project.provide("minioDataDir", path.join(root, "minio"));

  return async () => {
    await minio.stop();
    await pgServer.stop();
    await rm(root, { recursive: true, force: true });
  };
}
