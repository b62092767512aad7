import type { Tx } from "../database.js";

/**
 * Takes the job's row lock for the rest of the transaction. Every event of a job is written
 * under it, so one job's event ids commit in order (SSE streams rely on that).
 */
export async function lockJob(trx: Tx, jobId: string): Promise<void> {
  await trx.selectFrom("jobs").select("id").where("id", "=", jobId).forUpdate().execute();
}
