/**
 * The job state machine. Its edges (`EDGES`) live in the SQL layer, which takes its status
 * guards from them (a batch of stage ends checks the lease that only a running job has instead:
 * see end-stages.ts); `test/state-machine-sql.test.ts` checks every statement against them.
 *
 * Glossary:
 * - status: where the job is in its life (awaiting_upload … completed).
 * - stage: which pipeline step the job is at; meaningful while queued, running or failed.
 * - lease: a running job's owner and expiry; only the owner may change the job.
 */
import { EDGES, type JobEventType, type JobStatus } from "../db/job-states.js";

export {
  EDGES,
  JOB_STAGES,
  JOB_STATUSES,
  type JobEventType,
  type JobStage,
  type JobStatus,
  nextStage,
} from "../db/job-states.js";

/** Where a job's own work ends; a client may still delete (any of them) or reprocess (completed, failed). */
export const TERMINAL_STATUSES: readonly JobStatus[] = [
  "completed",
  "failed",
  "expired",
  "cancelled",
  "deleted",
];

export function isTerminal(status: JobStatus): boolean {
  return TERMINAL_STATUSES.includes(status);
}

/** Whether `event` may happen to a job in `status`. */
export function canApply(status: JobStatus, event: JobEventType): boolean {
  return EDGES[event].from.includes(status);
}
