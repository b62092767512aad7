import { sql } from "kysely";
import type { Tx } from "../database.js";
import { safeText } from "../safe-values.js";

/** A chunk as stored: the chunker's output has this shape. */
export interface ChunkRow {
  seq: number;
  text: string;
  start: number;
  end: number;
  pageStart: number | null;
  pageEnd: number | null;
  headingPath: string[];
  tokenCount: number;
}

/**
 * Writes a batch of chunks keyed by (job, generation, seq): a rerun overwrites the same rows, so chunking
 * twice leaves one set (chunking is deterministic for the same text and settings). Heading
 * paths travel as one JSON array of arrays, since `unnest` of a text[][] would flatten them.
 */
export async function upsertChunks(
  trx: Tx,
  jobId: string,
  chunks: ChunkRow[],
  generation = 0,
): Promise<void> {
  if (chunks.length === 0) return;
  const headingPaths = JSON.stringify(chunks.map((c) => c.headingPath.map(safeText)));
  await sql`
    WITH incoming AS (
      SELECT * FROM unnest(
        ${sql.val(chunks.map((c) => c.seq))}::int[], ${sql.val(chunks.map((c) => safeText(c.text)))}::text[],
        ${sql.val(chunks.map((c) => c.start))}::bigint[], ${sql.val(chunks.map((c) => c.end))}::bigint[],
        ${sql.val(chunks.map((c) => c.pageStart))}::int[], ${sql.val(chunks.map((c) => c.pageEnd))}::int[],
        ${sql.val(chunks.map((c) => c.tokenCount))}::int[])
        WITH ORDINALITY AS t(seq, text, start_offset, end_offset, page, page_end, token_count, n)
    )
    INSERT INTO chunks (job_id, generation, seq, text, start_offset, end_offset, page, page_end, heading_path, token_count)
    SELECT ${jobId}::uuid, ${generation}::int, seq, text, start_offset, end_offset, page, page_end,
      ARRAY(SELECT h FROM jsonb_array_elements_text(${headingPaths}::jsonb -> (n::int - 1))
        WITH ORDINALITY AS p(h, i) ORDER BY i), token_count
    FROM incoming
    ON CONFLICT (job_id, generation, seq) DO UPDATE SET text = excluded.text, start_offset = excluded.start_offset,
      end_offset = excluded.end_offset, page = excluded.page, page_end = excluded.page_end,
      heading_path = excluded.heading_path, token_count = excluded.token_count`.execute(trx);
}
