import { Readable } from "node:stream";
import { Hono } from "hono";
import { findJob } from "../../db/sql/find-job.js";
import { openDocument, originalFileUrl } from "../../jobs/job-files.js";
import { contentDisposition } from "../../storage/object-store.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import type { AppDeps } from "../deps.js";
import { notFound } from "../problem.js";
import { uuidParam } from "./params.js";

/**
 * A job's files: `GET /:id/document` streams the derived text (Markdown, or plain text for plain
 * inputs) from storage without holding it; `GET /:id/file` redirects to a short-lived presigned
 * GET of the original, so its bytes never pass through the API. Both are tenant-scoped.
 */
export function jobFileRoutes(deps: AppDeps) {
  const auth = requireApiKey(deps.db);
  const loadJob = async (tenant: string, id: string) => {
    const job = await findJob(deps.db, tenant, uuidParam(id));
    if (!job) throw notFound("job");
    return job;
  };
  return new Hono<AuthEnv>()
    .get("/:id/document", auth, async (c) => {
      const doc = await openDocument(deps, await loadJob(c.get("tenant"), c.req.param("id")));
      const body = Readable.toWeb(Readable.from(doc.body)) as ReadableStream<Uint8Array>;
      return c.body(body, 200, {
        "content-type": doc.contentType,
        "content-disposition": contentDisposition("inline", doc.filename),
        "cache-control": "private, no-store",
      });
    })
    .get("/:id/file", auth, async (c) => {
      const url = await originalFileUrl(deps, await loadJob(c.get("tenant"), c.req.param("id")));
      c.header("cache-control", "private, no-store");
      return c.redirect(url, 302);
    });
}
