import type { Config } from "../config/index.js";
import type { Db } from "../db/database.js";
import { findObjectOwners, type ObjectOwner } from "../db/sql/find-object-owners.js";
import type { Logger } from "../observability/logger.js";
import { every } from "../runtime/every.js";
import { ownerOfKey } from "../storage/object-key.js";
import type { ListedObject, ObjectStore } from "../storage/object-store.js";

export interface OrphanSweepDeps {
  config: Config;
  db: Db;
  store: ObjectStore;
  logger: Logger;
}

export interface OrphanSweepReport {
  listed: number;
  deleted: number;
  errors: number;
}

const PREFIXES = ["uploads/", "derived/"] as const;

/**
 * Whether no job will ever read this object. Deliberately narrow, because job deletion and
 * retries are other code's business: an object is an orphan only when its job row is gone, or
 * when its job expired or was cancelled while still awaiting its upload (an upload that landed
 * after its URLs' last moment). A cancelled job that had been uploaded keeps its object, and
 * every live job keeps its upload and the derived text of all its attempts. Young objects are
 * left alone for `graceSeconds`: a row can commit after the object it names appears.
 */
function isOrphan(
  object: ListedObject,
  owner: ObjectOwner | undefined,
  tenantId: string,
  cutoff: number,
): boolean {
  if (object.lastModified.getTime() > cutoff) return false;
  if (!owner || owner.tenant_id !== tenantId) return true;
  if (owner.status === "expired") return true;
  return owner.status === "cancelled" && owner.uploaded_at === null;
}

/**
 * One pass over `uploads/` and `derived/`, a page of up to 1000 keys and one query at a time,
 * deleting the orphans. Keys intake did not make (no tenant and job id) are never touched.
 * Errors on one object do not stop the pass.
 */
export async function sweepOrphanedObjects(
  deps: OrphanSweepDeps,
  now = Date.now(),
): Promise<OrphanSweepReport> {
  const report: OrphanSweepReport = { listed: 0, deleted: 0, errors: 0 };
  const cutoff = now - deps.config.reconciler.orphanGraceSeconds * 1000;
  for (const prefix of PREFIXES) {
    let after: string | null = null;
    do {
      const page: { objects: ListedObject[]; next: string | null } = await deps.store.list(prefix, { after });
      report.listed += page.objects.length;
      const owned = page.objects.flatMap((o) => {
        const owner = ownerOfKey(o.key);
        return owner ? [{ object: o, ...owner }] : [];
      });
      const owners = await findObjectOwners(deps.db, [...new Set(owned.map((o) => o.jobId))]);
      const byId = new Map(owners.map((o) => [o.id, o]));
      for (const { object, jobId, tenantId } of owned) {
        if (!isOrphan(object, byId.get(jobId), tenantId, cutoff)) continue;
        try {
          await deps.store.delete(object.key);
          report.deleted++;
          deps.logger.info({ jobId, tenant: tenantId, key: object.key }, "orphan sweep deleted an object");
        } catch (err) {
          report.errors++;
          deps.logger.warn({ err, jobId, key: object.key }, "orphan sweep could not delete an object");
        }
      }
      after = page.next;
    } while (after);
  }
  return report;
}

/** Runs `sweepOrphanedObjects` every `orphanSweepIntervalMs` until the returned function is called. */
export function startOrphanSweep(deps: OrphanSweepDeps): () => Promise<void> {
  return every("orphan sweep", deps.config.reconciler.orphanSweepIntervalMs, deps.logger, () =>
    sweepOrphanedObjects(deps),
  );
}
