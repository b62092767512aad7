import { type Kysely, sql } from "kysely";

// Live worker processes, so that the leases of one that died are returned at once instead of
// after `lease_expires_at`. `backend_pid` is the Postgres backend of the worker's LISTEN
// connection: when the process dies, its connection and that backend end with it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE TABLE workers (
    id text PRIMARY KEY,
    backend_pid integer NOT NULL,
    started_at timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
  )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE workers`.execute(db);
}
