import { randomBytes } from "node:crypto";
import { link, mkdir, readFile, unlink, writeFile } from "node:fs/promises";
import path from "node:path";
import { StartupError } from "../config/startup-error.js";

export interface LocalState {
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  webhookToken: string;
  apiKey: string;
  /** Added later: a state file from before it lacks it, and gets it on the next start. */
  uploadTokenSecret?: string;
  /** The embedded Postgres superuser's password; absent in older files, whose clusters use "intake". */
  postgresPassword?: string;
}

/**
 * Secrets the all-in-one mode generates on first start and reuses afterwards, so a restart
 * keeps the same API key and can read the MinIO data it wrote. Stored 0600 in the data dir.
 */
export async function loadLocalState(dataDir: string): Promise<LocalState> {
  const file = path.join(dataDir, "local-state.json");
  const existing = await readState(file);
  if (existing) return existing;
  const secret = (n: number) => randomBytes(n).toString("base64url");
  const state: LocalState = {
    s3AccessKeyId: `intake${secret(6)}`,
    s3SecretAccessKey: secret(24),
    webhookToken: secret(24),
    apiKey: `ik_${secret(24)}`,
    uploadTokenSecret: secret(32),
    postgresPassword: secret(24),
  };
  // Written whole to a file of this process's own, then linked into place: link() fails with
  // EEXIST when another first start won, so concurrent starts agree on one state and nobody
  // reads a half-written file or overwrites secrets another process already handed out.
  const tmp = `${file}.${process.pid}.${secret(6)}.tmp`;
  try {
    await mkdir(dataDir, { recursive: true });
    await writeFile(tmp, JSON.stringify(state, null, 2), { mode: 0o600, flag: "wx" });
    await link(tmp, file).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "EEXIST") throw err;
    });
  } catch (err) {
    throw new StartupError(
      `cannot use the data directory ${dataDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): set INTAKE_DATA_DIR to a directory you can write`,
    );
  } finally {
    await unlink(tmp).catch(() => {});
  }
  const settled = await readState(file);
  if (!settled) throw new StartupError(`${file} is not valid JSON: move it aside and start again`);
  return settled;
}

/** The state in `file`, or null when there is none yet. A corrupt file is an error, not a reset. */
async function readState(file: string): Promise<LocalState | null> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
  try {
    return JSON.parse(text) as LocalState;
  } catch {
    throw new StartupError(`${file} is not valid JSON: move it aside and start again`);
  }
}
