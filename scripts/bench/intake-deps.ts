import { loadConfig } from "../../src/config/index.js";
import { createDb } from "../../src/db/database.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { setupBucket } from "../../src/storage/bucket-setup.js";
import { createS3Client } from "../../src/storage/s3-client.js";
import { createStageDeps } from "../../src/worker/deps.js";
import type { StageDeps } from "../../src/worker/stage.js";
import { intakeEnv, type Stack } from "../../test/support/stack.js";

/** In-process stage dependencies (and config) on one database and bucket of the bench stack. */
export async function benchDeps(
  stack: Stack,
  databaseUrl: string,
  bucket: string,
  extraEnv: Record<string, string> = {},
): Promise<StageDeps & { close(): Promise<void> }> {
  const config = loadConfig({ ...intakeEnv(stack, databaseUrl, bucket, extraEnv), LOG_LEVEL: "silent" });
  const db = createDb({ connectionString: databaseUrl, max: 20 });
  const s3 = createS3Client({
    endpoint: config.s3.endpoint!,
    region: config.s3.region,
    accessKeyId: config.s3.accessKeyId!,
    secretAccessKey: config.s3.secretAccessKey!,
  });
  await setupBucket(s3, bucket, { notifications: false });
  const deps = createStageDeps({ config, db, s3, logger: silentLogger, metrics: new Metrics() });
  return {
    ...deps,
    async close() {
      await db.destroy();
      s3.destroy();
    },
  };
}
