import { sql } from "kysely";
import type { Db } from "../database.js";

/**
 * Removes the outputs of generations nobody reads or writes any more (neither the published
 * `output_generation` nor the `generation` a run writes), embeddings by cascade. Returns the
 * text objects the removed documents named that no kept document names, for the caller to
 * delete from storage. Safe at any time: it never touches a generation in use.
 */
export async function pruneGenerations(db: Db, jobId: string): Promise<string[]> {
  const { rows } = await pruneGenerationsStatement(jobId).execute(db);
  return rows.map((r) => r.text_key);
}

export function pruneGenerationsStatement(jobId: string) {
  return sql<{ text_key: string }>`
    WITH j AS (
      SELECT id, output_generation, generation FROM jobs WHERE id = ${jobId}
    ), dropped_chunks AS (
      DELETE FROM chunks c USING j
      WHERE c.job_id = j.id AND c.generation NOT IN (j.output_generation, j.generation)
    ), dropped_documents AS (
      DELETE FROM documents d USING j
      WHERE d.job_id = j.id AND d.generation NOT IN (j.output_generation, j.generation)
      RETURNING d.text_key
    )
    SELECT DISTINCT text_key FROM dropped_documents
    WHERE text_key NOT IN (
      SELECT d.text_key FROM documents d, j
      WHERE d.job_id = j.id AND d.generation IN (j.output_generation, j.generation))`;
}
