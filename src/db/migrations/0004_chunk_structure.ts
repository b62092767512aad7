import { type Kysely, sql } from "kysely";

// Each chunk carries the Markdown headings in effect where it starts and the last page it
// touches (`page` stays the first, so existing readers keep working). Both columns are cheap to
// add: a constant default and a nullable column change no existing row on Postgres 11+.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE chunks
      ADD COLUMN heading_path text[] NOT NULL DEFAULT '{}',
      ADD COLUMN page_end integer`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE chunks DROP COLUMN heading_path, DROP COLUMN page_end`.execute(db);
}
