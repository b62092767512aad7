// The statuses and stages a job row can hold: the vocabulary of the SQL layer (the CHECK
// constraints of the jobs table), which the state machine and everything above it use.

export const JOB_STATUSES = [
  "awaiting_upload",
  "queued",
  "running",
  "completed",
  "failed",
  "expired",
  "cancelled",
  // A tombstone: the tenant sees 404; the row keeps the `deleted` event and reusers' links.
  "deleted",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_STAGES = ["parse", "chunk", "embed"] as const;
export type JobStage = (typeof JOB_STAGES)[number];

/** The stage after `stage`, or null when `stage` is the last one. */
export function nextStage(stage: JobStage): JobStage | null {
  return JOB_STAGES[JOB_STAGES.indexOf(stage) + 1] ?? null;
}

/** What can happen to a job; each has one SQL statement that applies it. */
export type JobEventType =
  | "upload_verified"
  | "upload_expired"
  | "cancel"
  | "claim"
  | "stage_succeeded"
  | "stage_chained"
  | "outputs_reused"
  | "stage_failed"
  | "lease_expired"
  | "released"
  | "retry"
  | "delete"
  | "reprocess";

/**
 * The job state machine: for each event, the statuses it may start from and those it may end
 * in (which one depends on the stage and attempts left). The SQL statements take their status
 * guards from `from` (see `statusIn`), and `test/state-machine-sql.test.ts` drives every
 * statement from every status and checks that it takes exactly these edges.
 */
export const EDGES: Record<JobEventType, { from: readonly JobStatus[]; to: readonly JobStatus[] }> = {
  upload_verified: { from: ["awaiting_upload"], to: ["queued"] },
  upload_expired: { from: ["awaiting_upload"], to: ["expired"] },
  cancel: { from: ["awaiting_upload", "queued", "running", "failed"], to: ["cancelled"] },
  claim: { from: ["queued"], to: ["running"] },
  // The next stage is queued, or the last one completes the job.
  stage_succeeded: { from: ["running"], to: ["queued", "completed"] },
  // The worker that ran the stage runs the next one at once (a new lease, attempt 1); a tenant
  // with a cap on running jobs per stage is queued instead; the last stage completes the job.
  stage_chained: { from: ["running"], to: ["running", "queued", "completed"] },
  // Dedup: a job whose content was already processed completes with the earlier outputs.
  outputs_reused: { from: ["running"], to: ["completed"] },
  // Retried while retryable and attempts remain, else failed.
  stage_failed: { from: ["running"], to: ["queued", "failed"] },
  // The reaper requeues, or fails a job whose expired lease was its last attempt.
  lease_expired: { from: ["running"], to: ["queued", "failed"] },
  released: { from: ["running"], to: ["queued"] },
  retry: { from: ["failed"], to: ["queued"] },
  // DELETE works in any state; a running job loses its lease (its fence) here.
  delete: {
    from: ["awaiting_upload", "queued", "running", "completed", "failed", "expired", "cancelled"],
    to: ["deleted"],
  },
  // A finished job runs again from a stage, writing a new generation of outputs.
  reprocess: { from: ["completed", "failed"], to: ["queued"] },
};
