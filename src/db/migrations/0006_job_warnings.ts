import { type Kysely, sql } from "kysely";

// What a job that completed may have lost: `no_text_layer` when scanned pages or images could
// not be read (OCR off or not installed). A warning does not fail the job; it is shown with it.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs ADD COLUMN warnings text[] NOT NULL DEFAULT '{}'`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE jobs DROP COLUMN warnings`.execute(db);
}
