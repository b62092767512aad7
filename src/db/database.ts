import { Kysely, PostgresDialect, type Transaction } from "kysely";
import pg from "pg";
import { preparedStatementsOn } from "./prepared.js";
import type { Database } from "./schema.js";

export type Db = Kysely<Database>;
/** A transaction on the intake database; SQL helpers take a Db or a Tx. */
export type Tx = Transaction<Database>;

export interface CreateDbProps {
  connectionString: string;
  /** Pool size; API and worker processes each own one pool. */
  max?: number;
  applicationName?: string;
  /**
   * Plan prepared statements once per connection (plan_cache_mode = force_generic_plan) rather
   * than for each call's values. For a connection that runs only statements written to have
   * one good plan whatever the values: the workers' claim, whose planning cost more than its
   * execution at pickup.
   *
   * Sequential scans are off on such a connection too. Its one plan is made from the tables'
   * sizes at the first call, usually an empty queue at a worker's start, where scanning every
   * row looks cheapest, and it is kept until an ANALYZE: the claim's UPDATE then read the whole
   * jobs table to find the 256 rows it had locked (81 ms per claim at 30,000 jobs).
   */
  genericPlans?: boolean;
  /**
   * Commit without waiting for the WAL flush (synchronous_commit = off). Only for a connection
   * whose commits may be lost in a Postgres crash without harm: the workers' claim. A lost
   * claim leaves the job queued, as if never claimed, and the worker's later writes are fenced
   * on the lease it thought it had, so they change nothing. Saves a WAL flush per pickup.
   */
  asynchronousCommit?: boolean;
}

/** Session settings sent at connect (the startup packet's `options`), if any. */
function settingsOption(props: CreateDbProps): { options?: string } {
  const settings = [
    props.genericPlans && "-c plan_cache_mode=force_generic_plan -c enable_seqscan=off",
    props.asynchronousCommit && "-c synchronous_commit=off",
  ].filter(Boolean);
  return settings.length > 0 ? { options: settings.join(" ") } : {};
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
    ...settingsOption(props),
  });
  // A connection's error (Postgres restarted) must not crash the process: the pool drops idle
  // clients on its "error" event, but a checked-out client has no listener of the pool's
  // (pg-pool removes it while the client is lent), so each client gets its own. The query
  // running on it fails normally and the caller decides.
  pool.on("error", () => {});
  pool.on("connect", (client) => {
    client.on("error", () => {});
    preparedStatementsOn(client);
  });
  return new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
}
