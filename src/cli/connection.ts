import type { Command } from "commander";
import type { ClientOptions } from "../client/index.js";
import { loadClientEnv } from "../config/index.js";

/** The options every client command takes. */
export interface ConnectionOpts {
  url?: string;
  apiKey?: string;
}

/** --url/--api-key, else INTAKE_URL/INTAKE_API_KEY; a missing key is a usage error (exit 2). */
export function connection(opts: ConnectionOpts): ClientOptions {
  const env = loadClientEnv(process.env);
  const apiKey = opts.apiKey ?? env.apiKey;
  if (!apiKey) {
    console.error("intake: no API key: pass --api-key or set INTAKE_API_KEY");
    process.exit(2);
  }
  return { url: opts.url ?? env.url, apiKey };
}

export const withConnection = (cmd: Command) =>
  cmd
    .option("--url <url>", "intake API base URL (default $INTAKE_URL or http://localhost:8080)")
    .option("--api-key <key>", "API key (default $INTAKE_API_KEY)");
