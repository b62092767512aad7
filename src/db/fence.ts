import type { JobStage } from "./job-states.js";
import type { JobRow } from "./schema.js";

/**
 * What a worker proves on every write after its claim: it is the lease owner of this attempt
 * of this stage of a running job. A worker whose lease expired and was taken over fails the
 * check, so its writes change zero rows (and its transaction, with any outputs, rolls back).
 * The stage is part of it because a chained stage starts at attempt 1 under the same owner: a
 * write meant for the stage before (a late progress report) must not land on the next one.
 */
export interface Fence {
  id: string;
  workerId: string;
  attempt: number;
  stage: JobStage;
}

export class LeaseLostError extends Error {
  override name = "LeaseLostError";
  constructor(readonly fence: Fence) {
    super(
      `lease on job ${fence.id} (${fence.stage}, attempt ${fence.attempt}) is no longer held by ${fence.workerId}`,
    );
  }
}

export const fenceOf = (job: Pick<JobRow, "id" | "attempt" | "stage">, workerId: string): Fence => ({
  id: job.id,
  workerId,
  attempt: job.attempt,
  stage: job.stage,
});
