import { loadConfig, resolvedConfig } from "../../src/config/index.js";
import { createDb } from "../../src/db/database.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { createObjectStore } from "../../src/storage/create-object-store.js";
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
  const config = resolvedConfig(
    loadConfig({ ...intakeEnv(stack, databaseUrl, bucket, extraEnv), LOG_LEVEL: "silent" }),
  );
  const db = createDb({ connectionString: databaseUrl, max: 20 });
  const store = createObjectStore(config.s3);
  await store.ensureBucket({ notifications: false });
  const deps = createStageDeps({ config, db, store, logger: silentLogger, metrics: new Metrics() });
  return {
    ...deps,
    async close() {
      await db.destroy();
      store.destroy();
    },
  };
}
