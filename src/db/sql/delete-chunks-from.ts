import type { Tx } from "../database.js";

/** Removes chunks past the last one a (re)run produced. */
export async function deleteChunksFrom(
  trx: Tx,
  jobId: string,
  fromSeq: number,
  generation = 0,
): Promise<void> {
  await trx
    .deleteFrom("chunks")
    .where("job_id", "=", jobId)
    .where("generation", "=", generation)
    .where("seq", ">=", fromSeq)
    .execute();
}
