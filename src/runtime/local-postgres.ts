import { readFile, rm, writeFile } from "node:fs/promises";
import path from "node:path";
import type { Config } from "../config/index.js";
import { dataDirectoryAt } from "../db/data-directory.js";
import { createDb, type Db } from "../db/database.js";
import { migrateToLatest } from "../db/migrate.js";
import type { Logger } from "../observability/logger.js";
import { loadLocalState } from "./local-state.js";
import { choosePort } from "./ports.js";

const DEFAULT_PORT = 54329;
const PORT_VARIABLE = "INTAKE_LOCAL_PG_PORT";
const urlFor = (port: number, password: string) =>
  `postgres://intake:${encodeURIComponent(password)}@127.0.0.1:${port}/intake`;

/** The password of this data directory's embedded Postgres (see LocalState.postgresPassword). */
async function localPassword(dataDir: string): Promise<string> {
  return (await loadLocalState(dataDir)).postgresPassword ?? "intake";
}

/** What a running `intake start` records in its data directory, for other commands to find. */
interface ServerState {
  port: number;
  dataDirectory: string;
}
const stateFile = (dataDir: string) => path.join(dataDir, "postgres-server.json");

/**
 * The embedded Postgres another intake process runs for this same data directory, if any: its
 * state file names the port, and the server there must report this cluster as its
 * data_directory. Anything else on that port (another data directory's intake, a system
 * Postgres) is never attached to.
 */
async function runningFor(dataDir: string, password: string): Promise<string | undefined> {
  let state: ServerState;
  try {
    state = JSON.parse(await readFile(stateFile(dataDir), "utf8")) as ServerState;
  } catch {
    return undefined;
  }
  const dataDirectory = await dataDirectoryAt(urlFor(state.port, password));
  return dataDirectory === state.dataDirectory ? urlFor(state.port, password) : undefined;
}

/**
 * embedded Postgres's module is imported only when it is needed, which also keeps a configured
 * DATABASE_URL free of it.
 */
async function startLocal(config: Config, logger: Logger, password: string) {
  const { startEmbeddedPostgres } = await import("../db/embedded-postgres.js");
  const port = await choosePort(
    config.local.pgPort,
    DEFAULT_PORT,
    PORT_VARIABLE,
    "embedded Postgres",
    logger,
  );
  const server = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, "postgres"),
    port,
    portVariable: PORT_VARIABLE,
    password,
    onLog: (line) => {
      if (/copied the Postgres binaries|is kept in/.test(line)) logger.info(line);
    },
  });
  const state: ServerState = { port, dataDirectory: server.dataDir };
  await writeFile(stateFile(config.dataDir), JSON.stringify(state));
  logger.info({ dataDir: server.dataDir }, `started embedded Postgres on 127.0.0.1:${port}`);
  return {
    url: urlFor(port, password),
    async stop() {
      await rm(stateFile(config.dataDir), { force: true });
      await server.stop();
    },
  };
}

/**
 * Opens the configured Postgres, or the embedded one: the one another intake process already
 * runs for this data directory (so `intake keys create` works beside `intake start`), else one
 * started from `$INTAKE_DATA_DIR/postgres`. Applies migrations either way.
 */
export async function openDatabase(config: Config, logger: Logger, poolSize = 20) {
  let databaseUrl = config.databaseUrl;
  let stop = async () => {};
  if (!databaseUrl) {
    const password = await localPassword(config.dataDir);
    const running = await runningFor(config.dataDir, password);
    if (running) {
      logger.info(`using the embedded Postgres another intake process runs for ${config.dataDir}`);
      databaseUrl = running;
    } else {
      const local = await startLocal(config, logger, password);
      databaseUrl = local.url;
      stop = local.stop;
    }
  }
  const db: Db = createDb({ connectionString: databaseUrl, max: poolSize });
  try {
    await migrateToLatest(db);
  } catch (err) {
    await db.destroy();
    await stop();
    throw err;
  }
  return {
    config: { ...config, databaseUrl },
    db,
    async stop() {
      await db.destroy();
      await stop();
    },
  };
}
