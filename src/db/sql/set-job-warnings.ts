import type { Tx } from "../database.js";

/** Records what a stage warns about on the job, in the transaction that ends the stage. */
export async function setJobWarnings(trx: Tx, jobId: string, warnings: readonly string[]): Promise<void> {
  await trx
    .updateTable("jobs")
    .set({ warnings: [...warnings] })
    .where("id", "=", jobId)
    .execute();
}
