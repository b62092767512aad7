import type { Db } from "../database.js";
import { EDGES } from "../job-states.js";
import { now } from "../now.js";
import type { JobRow } from "../schema.js";
import { appendJobEvent } from "./append-job-event.js";
import { notifyQueued } from "./job-events.js";

/**
 * Moves an awaiting upload whose object was verified to `queued`, with its `uploaded` event and
 * the NOTIFY that wakes workers, in one transaction. Null when another transition (a
 * concurrent completion, a cancel) committed first: the status guard then matches no row.
 */
export async function queueVerifiedUpload(
  db: Db,
  job: Pick<JobRow, "id">,
  verified: { etag: string | null | undefined; contentSha256: string | null | undefined },
  source: string,
): Promise<JobRow | null> {
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("jobs")
      .set((eb) => ({
        status: "queued",
        stage: "parse",
        uploaded_at: now(),
        run_after: now(),
        object_etag: verified.etag ?? null,
        content_sha256: verified.contentSha256 ?? eb.ref("sha256"),
        updated_at: now(),
      }))
      .where("id", "=", job.id)
      .where("status", "in", EDGES.upload_verified.from)
      .returningAll()
      .executeTakeFirst();
    if (!row) return null;
    await appendJobEvent(trx, {
      jobId: row.id,
      tenantId: row.tenant_id,
      type: "uploaded",
      data: { status: "queued", stage: "parse", source, size: Number(row.size) },
    });
    await notifyQueued(trx, "parse");
    return row;
  });
}
