import { Hono } from "hono";
import { z } from "zod";
import { findJobByObjectKey } from "../../db/sql/find-job-by-object-key.js";
import { parseObjectKey } from "../../storage/object-key.js";
import { completeFrom } from "../../uploads/service.js";
import { requireToken } from "../auth.js";
import { readJson } from "../body.js";
import { limitBody } from "../body-limit.js";
import type { AppDeps } from "../deps.js";

const record = z.looseObject({
  eventName: z.string(),
  s3: z.looseObject({
    bucket: z.looseObject({ name: z.string() }),
    object: z.looseObject({ key: z.string() }),
  }),
});
// Records are checked one by one: one malformed record is answered `invalid` in the results and
// does not fail the rest of the batch (MinIO would redeliver all of them).
const notification = z.looseObject({ Records: z.array(z.unknown()).max(1000).default([]) });

/**
 * S3 event notifications URL-encode object keys with `+` for spaces (the form encoding, not
 * RFC 3986), in both AWS's and MinIO's format; decode accordingly.
 */
export function decodeEventKey(key: string): string {
  return decodeURIComponent(key.replace(/\+/g, " "));
}

/** The decoded key, or null when the percent-encoding is malformed (`%zz`, a cut UTF-8 sequence). */
function tryDecodeEventKey(key: string): string | null {
  try {
    return decodeEventKey(key);
  } catch {
    return null;
  }
}

/**
 * The bucket notification webhook. It completes uploads through the same function as the
 * client's callback, so a duplicate or late delivery changes nothing. Objects that belong
 * to no job, and events other than object-created, are acknowledged and ignored: answering
 * non-2xx would only make MinIO redeliver them forever.
 */
export function storageEventRoutes(deps: AppDeps) {
  return (
    new Hono()
      .use(requireToken(deps.config.webhookToken))
      .use(limitBody(1024 * 1024))
      // MinIO probes the target with HEAD; Hono answers HEAD from the GET route.
      .get("/", (c) => c.body(null, 200))
      .post("/", async (c) => {
        const body = await readJson(c, notification);
        const results: { key: string | null; outcome: string }[] = [];
        for (const raw of body.Records) {
          const parsed = record.safeParse(raw);
          const r = parsed.success ? parsed.data : undefined;
          const key = r ? tryDecodeEventKey(r.s3.object.key) : null;
          if (!r || key === null) {
            deps.logger.warn({ record: r ? r.s3.object.key : undefined }, "invalid storage event record");
            results.push({ key: r?.s3.object.key ?? null, outcome: "invalid" });
            continue;
          }
          if (
            !r.eventName.includes("ObjectCreated") ||
            r.s3.bucket.name !== deps.config.s3.bucket ||
            !parseObjectKey(key)
          ) {
            results.push({ key, outcome: "ignored" });
            continue;
          }
          const job = await findJobByObjectKey(deps.db, key);
          if (!job) {
            results.push({ key, outcome: "ignored" });
            continue;
          }
          const result = await completeFrom(deps, job, "webhook");
          deps.logger.info(
            { jobId: job.id, tenant: job.tenant_id, outcome: result.outcome },
            "storage event",
          );
          results.push({ key, outcome: result.outcome });
        }
        return c.json({ results });
      })
  );
}
