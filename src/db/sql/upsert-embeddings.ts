import { sql } from "kysely";
import type { Db } from "../database.js";
import { type Fence, LeaseLostError } from "../fence.js";
import { float4ArrayParam } from "../float4-array.js";
import { fenceHolds } from "./lock-fenced.js";

/**
 * Writes one vector per chunk (a rerun replaces them) under the job's fence, in one statement
 * committed on its own; throws LeaseLostError, having written nothing, when the fence no
 * longer holds. The `fence` CTE locks the job row (FOR UPDATE) before any vector is written,
 * as `lockFenced` does in a transaction: a lease taken back meanwhile waits for this commit, or
 * this finds it gone. One round trip instead of four (BEGIN, the lock, the insert, COMMIT).
 * No rows, no statement: the fence is not checked then (the embed stage never writes none).
 */
export async function upsertEmbeddingsFenced(
  db: Db,
  fence: Fence,
  model: string,
  rows: { chunkId: string; vector: number[] }[],
): Promise<void> {
  if (rows.length === 0) return;
  const { rows: held } = await upsertEmbeddingsStatement(fence, model, rows).execute(db);
  if (held.length === 0) throw new LeaseLostError(fence);
}

/** The statement of `upsertEmbeddingsFenced` (snapshotted in sql-snapshots.test.ts). */
export function upsertEmbeddingsStatement(
  fence: Fence,
  model: string,
  rows: { chunkId: string; vector: number[] }[],
) {
  // Each vector in Postgres's binary array format (see float4ArrayParam), not as decimals.
  const values = sql.join(
    rows.map(
      (r) => sql`(${r.chunkId}::bigint, ${r.vector.length}::int, ${float4ArrayParam(r.vector)}::real[])`,
    ),
  );
  return sql<{ id: string }>`
    WITH fence AS (
      SELECT id FROM jobs WHERE ${fenceHolds(fence)} FOR UPDATE
    ), written AS (
      INSERT INTO embeddings (chunk_id, job_id, model, dimensions, vector)
      SELECT v.chunk_id, fence.id, ${model}, v.dimensions, v.vector
      FROM fence, (VALUES ${values}) AS v (chunk_id, dimensions, vector)
      ON CONFLICT (chunk_id) DO UPDATE
        SET model = EXCLUDED.model, dimensions = EXCLUDED.dimensions, vector = EXCLUDED.vector
    )
    SELECT id FROM fence`;
}
