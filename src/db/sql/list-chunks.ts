import type { Db } from "../database.js";

export function listChunks(
  db: Db,
  jobId: string,
  opts: { afterSeq: number; limit: number; embeddings: boolean },
) {
  let q = db
    .selectFrom("chunks as c")
    .select([
      "c.seq",
      "c.text",
      "c.start_offset",
      "c.end_offset",
      "c.page",
      "c.page_end",
      "c.heading_path",
      "c.token_count",
    ])
    .where("c.job_id", "=", jobId)
    // The published generation only: a reprocess writing the next one is invisible until it completes.
    .where("c.generation", "=", (eb) =>
      eb.selectFrom("jobs").select("output_generation").where("id", "=", jobId),
    )
    .where("c.seq", ">", opts.afterSeq)
    .orderBy("c.seq")
    .limit(opts.limit);
  if (opts.embeddings) {
    q = q
      .leftJoin("embeddings as e", "e.chunk_id", "c.id")
      .select(["e.model", "e.dimensions", "e.vector"]) as unknown as typeof q;
  }
  return q.execute();
}
