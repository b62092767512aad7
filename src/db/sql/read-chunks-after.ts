import type { Db } from "../database.js";

/** Chunks of one generation of a job, in seq order (the embed stage reads its own generation). */
export function readChunksAfter(db: Db, jobId: string, afterSeq: number, limit: number, generation = 0) {
  return db
    .selectFrom("chunks")
    .select(["id", "seq", "text"])
    .where("job_id", "=", jobId)
    .where("generation", "=", generation)
    .where("seq", ">", afterSeq)
    .orderBy("seq")
    .limit(limit)
    .execute();
}
