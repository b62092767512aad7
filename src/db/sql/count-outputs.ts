import { sql } from "kysely";
import type { Db } from "../database.js";

export interface OutputCounts {
  documents: number;
  chunks: number;
  embeddings: number;
}

/** Outputs of the published generation, or of `generation` (a stage of a running reprocess). */
export async function countOutputs(db: Db, jobId: string, generation?: number): Promise<OutputCounts> {
  const g =
    generation === undefined
      ? sql`(SELECT output_generation FROM jobs WHERE id = ${jobId})`
      : sql`${generation}::int`;
  const row = await sql<OutputCounts>`
    SELECT (SELECT count(*)::int FROM documents WHERE job_id = ${jobId} AND generation = ${g}) AS documents,
           (SELECT count(*)::int FROM chunks WHERE job_id = ${jobId} AND generation = ${g}) AS chunks,
           (SELECT count(*)::int FROM embeddings e JOIN chunks c ON c.id = e.chunk_id
             WHERE c.job_id = ${jobId} AND c.generation = ${g}) AS embeddings`.execute(db);
  return row.rows[0]!;
}
