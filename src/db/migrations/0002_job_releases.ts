import { type Kysely, sql } from "kysely";

// Counts the times a job was given back without spending an attempt because a dependency was
// down, so that an outage that never ends (or a misjudged one) cannot requeue a job forever.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs ADD COLUMN releases integer NOT NULL DEFAULT 0 CHECK (releases >= 0)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs DROP COLUMN releases`.execute(db);
}
