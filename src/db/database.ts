import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;

export interface CreateDbProps {
  connectionString: string;
  /** Pool size; API and worker processes each own one pool. */
  max?: number;
  applicationName?: string;
}

/**
 * Opens a pooled Kysely handle on Postgres.
 *
 * @example const db = createDb({ connectionString: process.env.DATABASE_URL! });
 */
export function createDb(props: CreateDbProps): Db {
  const pool = new pg.Pool({
    connectionString: props.connectionString,
    max: props.max ?? 10,
    application_name: props.applicationName ?? "intake",
  });
  // An idle client's error (Postgres restarted) must not crash the process; the pool drops it.
  pool.on("error", () => {});
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
