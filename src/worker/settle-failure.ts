import type { Fence } from "../db/fence.js";
import type { WorkerJob } from "../db/schema.js";
import { failAttempt } from "../db/sql/fail-attempt.js";
import { releaseJob } from "../db/sql/release-job.js";
import { backoffDelayMs } from "../jobs/backoff.js";
import type { Logger } from "../observability/logger.js";
import { classifyStageError, type Outcome } from "./classify-error.js";
import type { StageDeps } from "./stage.js";

/**
 * A refund (no attempt spent) needs a dependency that is down by its breaker's or its health
 * check's account, and a job under its cap of refunds. A read that failed because this process
 * was busy finds storage healthy and spends an attempt, so no job cycles forever.
 */
async function refundable(
  deps: StageDeps,
  job: WorkerJob,
  outcome: Extract<Outcome, { kind: "unavailable" }>,
): Promise<boolean> {
  if (job.releases >= deps.config.worker.maxReleases) return false;
  if (outcome.confirmed) return true;
  if (outcome.dependency === "storage") return deps.store.isOpen || !(await deps.store.probe()).ok;
  return deps.embedder.isOpen;
}

/**
 * Records how a stage attempt that threw ends: nothing (the lease is gone), a refund (a
 * confirmed outage), or a failed attempt, retried with backoff while attempts remain.
 */
export async function settleFailure(
  deps: StageDeps,
  job: WorkerJob,
  fence: Fence,
  err: unknown,
  log: Logger,
): Promise<void> {
  const outcome = classifyStageError(err);
  try {
    if (outcome.kind === "lease_lost") {
      log.warn("lease lost; another worker owns the job now, nothing was written");
      return;
    }
    if (outcome.kind === "unavailable" && (await refundable(deps, job, outcome))) {
      log.warn(
        { dependency: outcome.dependency, err: outcome.message, releases: job.releases + 1 },
        "dependency unavailable; job requeued without spending its attempt",
      );
      const delay = deps.config.worker.breakerResetMs;
      await releaseJob(deps.db, fence, `${outcome.dependency} unavailable`, delay, { outage: true });
      return;
    }
    const failure =
      outcome.kind === "unavailable"
        ? { code: `${outcome.dependency}_error`, message: outcome.message, retryable: true }
        : outcome;
    const delay = backoffDelayMs(job.attempt, {
      baseMs: deps.config.worker.retryBaseMs,
      capMs: deps.config.worker.retryCapMs,
    });
    const res = await failAttempt(deps.db, fence, failure, delay);
    if (!res) {
      log.warn(
        { code: failure.code, err: failure.message },
        "stage failed after its lease was lost; not recorded",
      );
      return;
    }
    if (res.retrying) deps.metrics.retries.inc({ stage: job.stage });
    else deps.metrics.failures.inc({ stage: job.stage, code: failure.code });
    log.warn({ code: failure.code, err, retrying: res.retrying }, "stage failed");
  } catch (writeErr) {
    // The lease will expire and the reaper will return the job; say so loudly.
    log.error({ err: writeErr }, "could not record the stage failure; the lease will expire and be reaped");
  }
}
