/**
 * The job state machine, pure: no I/O. The SQL in this folder encodes the same edges in its
 * WHERE clauses, so an update that this module would reject changes zero rows.
 *
 * Glossary:
 * - status: where the job is in its life (awaiting_upload … completed).
 * - stage: which pipeline step the job is at; meaningful while queued, running or failed.
 * - lease: a running job's owner and expiry; only the owner may change the job.
 */
import { JOB_STAGES, type JobStage, type JobStatus } from "../db/job-states.js";

export { JOB_STAGES, JOB_STATUSES, type JobStage, type JobStatus } from "../db/job-states.js";

export const TERMINAL_STATUSES: readonly JobStatus[] = ["completed", "failed", "expired", "cancelled"];

export type JobEvent =
  | { type: "upload_verified" }
  | { type: "upload_expired" }
  | { type: "cancel" }
  | { type: "claim" }
  | { type: "stage_succeeded" }
  | { type: "stage_failed"; retryable: boolean; attemptsLeft: boolean }
  | { type: "lease_expired" }
  | { type: "released" }
  | { type: "retry" };

export interface JobState {
  status: JobStatus;
  stage: JobStage;
}

export class InvalidTransitionError extends Error {
  override name = "InvalidTransitionError";
  constructor(
    readonly from: JobState,
    readonly event: JobEvent["type"],
  ) {
    super(`cannot apply ${event} to a ${from.status} job at stage ${from.stage}`);
  }
}

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** The stage after `stage`, or null when `stage` is the last one. */
export function nextStage(stage: JobStage): JobStage | null {
  return JOB_STAGES[JOB_STAGES.indexOf(stage) + 1] ?? null;
}

/** Which statuses each event may start from; the SQL statements use the same lists. */
export const FROM_STATUSES: Record<JobEvent["type"], readonly JobStatus[]> = {
  upload_verified: ["awaiting_upload"],
  upload_expired: ["awaiting_upload"],
  cancel: ["awaiting_upload", "queued", "running", "failed"],
  claim: ["queued"],
  stage_succeeded: ["running"],
  stage_failed: ["running"],
  lease_expired: ["running"],
  released: ["running"],
  retry: ["failed"],
};

/**
 * The state a job moves to when `event` happens to it.
 *
 * @throws InvalidTransitionError when the event is not allowed from `from`.
 * @example transition({ status: "running", stage: "parse" }, { type: "stage_succeeded" })
 *   // → { status: "queued", stage: "chunk" }
 */
export function transition(from: JobState, event: JobEvent): JobState {
  if (!FROM_STATUSES[event.type].includes(from.status)) throw new InvalidTransitionError(from, event.type);
  switch (event.type) {
    case "upload_verified":
      return { status: "queued", stage: "parse" };
    case "upload_expired":
      return { status: "expired", stage: from.stage };
    case "cancel":
      return { status: "cancelled", stage: from.stage };
    case "claim":
      return { status: "running", stage: from.stage };
    case "stage_succeeded": {
      const next = nextStage(from.stage);
      return next ? { status: "queued", stage: next } : { status: "completed", stage: from.stage };
    }
    case "stage_failed":
      return event.retryable && event.attemptsLeft
        ? { status: "queued", stage: from.stage }
        : { status: "failed", stage: from.stage };
    case "lease_expired":
    case "released":
      return { status: "queued", stage: from.stage };
    case "retry":
      return { status: "queued", stage: from.stage };
  }
}
