import type { Db } from "../database.js";

/**
 * A job's document: of the published generation (what readers see), or of `generation` (what
 * a stage of a running reprocess reads).
 */
export function findDocument(db: Db, jobId: string, generation?: number) {
  return db
    .selectFrom("documents")
    .selectAll()
    .where("job_id", "=", jobId)
    .where((eb) =>
      eb(
        "generation",
        "=",
        generation ?? eb.selectFrom("jobs").select("output_generation").where("id", "=", jobId),
      ),
    )
    .executeTakeFirst();
}
