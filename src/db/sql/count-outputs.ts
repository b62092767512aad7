import { sql } from "kysely";
import type { Db } from "../database.js";

export interface OutputCounts {
  documents: number;
  chunks: number;
  embeddings: number;
}

export async function countOutputs(db: Db, jobId: string): Promise<OutputCounts> {
  const row = await sql<OutputCounts>`
    SELECT (SELECT count(*)::int FROM documents WHERE job_id = ${jobId}) AS documents,
           (SELECT count(*)::int FROM chunks WHERE job_id = ${jobId}) AS chunks,
           (SELECT count(*)::int FROM embeddings WHERE job_id = ${jobId}) AS embeddings`.execute(db);
  return row.rows[0]!;
}
