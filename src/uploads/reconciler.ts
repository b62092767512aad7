import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import { takeUploadsToReconcile } from "../db/sql/take-uploads-to-reconcile.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { every } from "../runtime/every.js";
import type { ObjectStore } from "../storage/object-store.js";
import { completeFrom, endAwaitingUpload } from "./service.js";

export interface ReconcilerDeps {
  config: Config;
  db: Db;
  store: ObjectStore;
  logger: Logger;
  metrics?: Metrics;
}

export interface ReconcileReport {
  checked: number;
  completed: number;
  expired: number;
  errors: number;
}

/**
 * One pass: for each awaiting upload that is due, complete it if its object is there (the
 * client vanished after its PUT), else expire it once its URLs have expired, aborting a
 * multipart upload and deleting partial data. Errors on one job do not stop the pass.
 */
export async function reconcileOnce(deps: ReconcilerDeps, limit = 100): Promise<ReconcileReport> {
  const report: ReconcileReport = { checked: 0, completed: 0, expired: 0, errors: 0 };
  const batch = await takeUploadsToReconcile(deps.db, {
    olderThanSeconds: deps.config.reconciler.afterSeconds,
    recheckSeconds: Math.max(1, Math.ceil(deps.config.reconciler.intervalMs / 1000)),
    limit,
  });
  for (const job of batch) {
    report.checked++;
    const log = deps.logger.child({ jobId: job.id, tenant: job.tenant_id });
    try {
      const result = await completeFrom(deps, job, "reconciler");
      if (result.outcome === "ok") {
        report.completed++;
        deps.metrics?.reconcilerActions.inc({ action: "completed" });
        log.info("reconciler completed an upload its client did not complete");
      } else if (result.outcome !== "already") {
        // Expire first, then clean storage: once expired, no completion can pick the object up.
        // The UPDATE expires it only once upload_expires_at has passed by the database's clock.
        const ended = await endAwaitingUpload(
          deps,
          job,
          "expired",
          "upload URL expired before an upload completed",
        );
        if (ended) {
          report.expired++;
          deps.metrics?.reconcilerActions.inc({ action: "expired" });
          log.info("reconciler expired an abandoned upload");
        }
      }
      deps.metrics?.reconcilerActions.inc({ action: "checked" });
    } catch (err) {
      report.errors++;
      log.warn({ err }, "reconciler could not check an upload; it will be retried");
    }
  }
  return report;
}

/** Runs `reconcileOnce` every interval until the returned stop function is called. */
export function startReconciler(deps: ReconcilerDeps): () => Promise<void> {
  return every("reconciler", deps.config.reconciler.intervalMs, deps.logger, () => reconcileOnce(deps));
}
