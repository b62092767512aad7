import { sql } from "kysely";
import type { Db } from "../database.js";

/**
 * Removes a deleted job's documents, chunks and (by cascade) embeddings and records the purge,
 * unless a live job still reuses them (`reused_from`): then it changes nothing and answers
 * `shared`. Called after the derived objects were removed from storage.
 */
export async function purgeJobOutputs(db: Db, jobId: string): Promise<"purged" | "shared" | "absent"> {
  const { rows } = await purgeJobOutputsStatement(jobId).execute(db);
  return rows[0]?.outcome ?? "absent";
}

export function purgeJobOutputsStatement(jobId: string) {
  return sql<{ outcome: "purged" | "shared" }>`
    WITH target AS (
      SELECT j.id, EXISTS (SELECT 1 FROM jobs r WHERE r.reused_from = j.id AND r.status <> 'deleted') AS shared
      FROM jobs j WHERE j.id = ${jobId} AND j.status = 'deleted'
      FOR UPDATE
    ), purgeable AS (SELECT id FROM target WHERE NOT shared
    ), dropped_chunks AS (DELETE FROM chunks WHERE job_id IN (SELECT id FROM purgeable)
    ), dropped_documents AS (DELETE FROM documents WHERE job_id IN (SELECT id FROM purgeable)
    ), marked AS (UPDATE jobs SET purged_at = now() WHERE id IN (SELECT id FROM purgeable))
    SELECT CASE WHEN shared THEN 'shared' ELSE 'purged' END AS outcome FROM target`;
}
