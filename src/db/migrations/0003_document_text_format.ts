import { type Kysely, sql } from "kysely";

// Whether a document's derived text is Markdown (structured formats) or plain text, so that the
// download answers with the right media type. Documents parsed before this are plain text.
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE documents ADD COLUMN text_format text NOT NULL DEFAULT 'plain'
    CHECK (text_format IN ('plain', 'markdown'))`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE documents DROP COLUMN text_format`.execute(db);
}
