import type { JobRow } from "./schema.js";

/**
 * What a worker proves on every write after its claim: it is the lease owner of this attempt
 * of a running job. A worker whose lease expired and was taken over fails the check, so its
 * writes change zero rows (and its transaction, with any outputs, rolls back).
 */
export interface Fence {
  id: string;
  workerId: string;
  attempt: number;
}

export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  constructor(readonly fence: Fence) {
    super(`lease on job ${fence.id} (attempt ${fence.attempt}) is no longer held by ${fence.workerId}`);
  }
}

export const fenceOf = (job: Pick<JobRow, "id" | "attempt">, workerId: string): Fence => ({
  id: job.id,
  workerId,
  attempt: job.attempt,
});
