/**
 * The job state machine. Its edges (`EDGES`) live in the SQL layer, which takes its status
 * guards from them; `test/state-machine-sql.test.ts` checks every statement against them.
 *
 * Glossary:
 * - status: where the job is in its life (awaiting_upload … completed).
 * - stage: which pipeline step the job is at; meaningful while queued, running or failed.
 * - lease: a running job's owner and expiry; only the owner may change the job.
 */
import { EDGES, JOB_STAGES, type JobEventType, type JobStage, type JobStatus } from "../db/job-states.js";

export {
  EDGES,
  JOB_STAGES,
  JOB_STATUSES,
  type JobEventType,
  type JobStage,
  type JobStatus,
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

/** The stage after `stage`, or null when `stage` is the last one. */
export function nextStage(stage: JobStage): JobStage | null {
  return JOB_STAGES[JOB_STAGES.indexOf(stage) + 1] ?? null;
}

/** Whether `event` may happen to a job in `status`. */
export function canApply(status: JobStatus, event: JobEventType): boolean {
  return EDGES[event].from.includes(status);
}
