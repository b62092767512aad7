import { sql } from "kysely";
import type { Tx } from "../database.js";
import { float4ArrayParam } from "../float4-array.js";

export async function upsertEmbeddings(
  trx: Tx,
  jobId: string,
  model: string,
  rows: { chunkId: string; vector: number[] }[],
): Promise<void> {
  if (rows.length === 0) return;
  await trx
    .insertInto("embeddings")
    .values(
      rows.map((r) => ({
        chunk_id: r.chunkId,
        job_id: jobId,
        model,
        dimensions: r.vector.length,
        // In Postgres's binary array format (see float4ArrayParam), not as a decimal literal.
        vector: sql<number[]>`${float4ArrayParam(r.vector)}::real[]`,
      })),
    )
    .onConflict((oc) =>
      oc.column("chunk_id").doUpdateSet(({ ref }) => ({
        model: ref("excluded.model"),
        dimensions: ref("excluded.dimensions"),
        vector: ref("excluded.vector"),
      })),
    )
    .execute();
}
