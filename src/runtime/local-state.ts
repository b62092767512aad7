import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { StartupError } from "../config/startup-error.js";

export interface LocalState {
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  webhookToken: string;
  apiKey: string;
  /** Added later: a state file from before it lacks it, and gets it on the next start. */
  uploadTokenSecret?: string;
}

/**
 * Secrets the all-in-one mode generates on first start and reuses afterwards, so a restart
 * keeps the same API key and can read the MinIO data it wrote. Stored 0600 in the data dir.
 */
export async function loadLocalState(dataDir: string): Promise<LocalState> {
  const file = path.join(dataDir, "local-state.json");
  try {
    return JSON.parse(await readFile(file, "utf8")) as LocalState;
  } catch {
    const secret = (n: number) => randomBytes(n).toString("base64url");
    const state: LocalState = {
      s3AccessKeyId: `intake${secret(6)}`,
      s3SecretAccessKey: secret(24),
      webhookToken: secret(24),
      apiKey: `ik_${secret(24)}`,
      uploadTokenSecret: secret(32),
    };
    try {
      await mkdir(dataDir, { recursive: true });
      await writeFile(file, JSON.stringify(state, null, 2), { mode: 0o600 });
    } catch (err) {
      throw new StartupError(
        `cannot use the data directory ${dataDir} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): set INTAKE_DATA_DIR to a directory you can write`,
      );
    }
    return state;
  }
}
