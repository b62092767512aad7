import { sql } from "kysely";
import type { Db } from "../database.js";
import type { Fence } from "../fence.js";
import { now } from "../now.js";
import { appendJobEvent } from "./append-job-event.js";
import { notifyQueued } from "./job-events.js";
import { lockFencedIfHeld } from "./lock-fenced.js";

/**
 * Gives a job back without spending its attempt (the claim's increment is undone): used when
 * a dependency is down (the job did not fail, its storage did), which `outage` counts in
 * `jobs.releases`, and on shutdown.
 */
export async function releaseJob(
  db: Db,
  fence: Fence,
  reason: string,
  delayMs = 0,
  opts: { outage?: boolean } = {},
): Promise<boolean> {
  return db.transaction().execute(async (trx) => {
    const job = await lockFencedIfHeld(trx, fence);
    if (!job) return false;
    await trx
      .updateTable("jobs")
      .set({
        status: "queued",
        attempt: sql<number>`greatest(attempt - 1, 0)`,
        releases: opts.outage ? sql<number>`releases + 1` : sql<number>`releases`,
        run_after: sql<Date>`now() + make_interval(secs => ${delayMs / 1000})`,
        lease_owner: null,
        lease_expires_at: null,
        updated_at: now(),
      })
      .where("id", "=", job.id)
      .execute();
    await appendJobEvent(trx, {
      jobId: job.id,
      tenantId: job.tenant_id,
      type: "released",
      data: {
        status: "queued",
        stage: job.stage,
        reason,
        retryInMs: delayMs,
        ...(opts.outage ? { releases: job.releases + 1 } : {}),
      },
    });
    if (delayMs === 0) await notifyQueued(trx, job.stage, [job.id]);
    return true;
  });
}
