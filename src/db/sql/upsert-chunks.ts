import { sql } from "kysely";
import type { Tx } from "../database.js";
import { safeText } from "../safe-values.js";

/** A chunk as stored: the chunker's output has this shape. */
export interface ChunkRow {
  seq: number;
  text: string;
  start: number;
  end: number;
  page: number | null;
  tokenCount: number;
}

/**
 * Writes a batch of chunks keyed by (job, seq): a rerun overwrites the same rows, so chunking
 * twice leaves one set (chunking is deterministic for the same text and settings).
 */
export async function upsertChunks(trx: Tx, jobId: string, chunks: ChunkRow[]): Promise<void> {
  if (chunks.length === 0) return;
  await sql`
    WITH incoming AS (
      SELECT * FROM unnest(
        ${sql.val(chunks.map((c) => c.seq))}::int[], ${sql.val(chunks.map((c) => safeText(c.text)))}::text[],
        ${sql.val(chunks.map((c) => c.start))}::bigint[], ${sql.val(chunks.map((c) => c.end))}::bigint[],
        ${sql.val(chunks.map((c) => c.page))}::int[], ${sql.val(chunks.map((c) => c.tokenCount))}::int[])
        AS t(seq, text, start_offset, end_offset, page, token_count)
    )
    INSERT INTO chunks (job_id, seq, text, start_offset, end_offset, page, token_count)
    SELECT ${jobId}::uuid, seq, text, start_offset, end_offset, page, token_count FROM incoming
    ON CONFLICT (job_id, seq) DO UPDATE SET text = excluded.text, start_offset = excluded.start_offset,
      end_offset = excluded.end_offset, page = excluded.page, token_count = excluded.token_count`.execute(
    trx,
  );
}
