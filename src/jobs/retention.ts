import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import { deleteExpiredJobs } from "../db/sql/delete-expired-jobs.js";
import { takeJobsToPurge } from "../db/sql/take-jobs-to-purge.js";
import type { Logger } from "../observability/logger.js";
import { every } from "../runtime/every.js";
import type { ObjectStore } from "../storage/object-store.js";
import { purgeDeletedJob } from "./delete-job.js";

export interface RetentionDeps {
  config: Config;
  db: Db;
  store: ObjectStore;
  logger: Logger;
}

export interface RetentionReport {
  deleted: number;
  purged: number;
  errors: number;
}

/**
 * One pass: with `INTAKE_RETENTION_DAYS`, finished jobs past that age become tombstones (with
 * their `deleted` events); then deleted jobs whose data is still there are purged. The second
 * half runs without retention too: it finishes a DELETE whose process died between its commit
 * and its storage cleanup, and re-purges for a lease's length after a delete, in case a worker
 * that lost its lease to the delete was still writing. Both take batches with SKIP LOCKED, so
 * passes in many processes split the work. Errors on one job do not stop the pass.
 */
export async function retentionOnce(deps: RetentionDeps, limit = 100): Promise<RetentionReport> {
  const report: RetentionReport = { deleted: 0, purged: 0, errors: 0 };
  const { days, intervalMs } = deps.config.retention;
  // The jobs this pass deleted are purged by it; the others when their recheck time comes.
  const expired = days === undefined ? [] : await deleteExpiredJobs(deps.db, { days, limit });
  report.deleted = expired.length;
  const batch = await takeJobsToPurge(deps.db, {
    graceSeconds: deps.config.worker.leaseSeconds * 2,
    recheckSeconds: Math.max(1, Math.ceil(intervalMs / 1000)),
    limit,
  });
  for (const job of [...expired, ...batch]) {
    try {
      await purgeDeletedJob(deps, job);
      report.purged++;
    } catch (err) {
      report.errors++;
      deps.logger.warn(
        { err, jobId: job.id, tenant: job.tenant_id },
        "purge of a deleted job failed; it will be retried",
      );
    }
  }
  return report;
}

/** Runs `retentionOnce` every interval until the returned stop function is called. */
export function startRetention(deps: RetentionDeps): () => Promise<void> {
  return every("retention", deps.config.retention.intervalMs, deps.logger, () => retentionOnce(deps));
}
