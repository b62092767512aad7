import { Hono } from "hono";
import { findJob } from "../../db/sql/find-job.js";
import { updateJobMetadata } from "../../db/sql/update-job-metadata.js";
import { deleteJob } from "../../jobs/delete-job.js";
import { reprocessBody, updateJobBody } from "../../jobs/lifecycle-schemas.js";
import { reprocess } from "../../jobs/reprocess.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import { readJson } from "../body.js";
import { limitBody } from "../body-limit.js";
import type { AppDeps } from "../deps.js";
import { jobDto } from "../job-dto.js";
import { notFound } from "../problem.js";
import { uuidParam } from "./params.js";

/** DELETE, PATCH (metadata) and reprocess of a job (issue 14 §2-3), mounted beside jobRoutes. */
export function jobLifecycleRoutes(deps: AppDeps) {
  const loadJob = async (tenant: string, id: string) => {
    const job = await findJob(deps.db, tenant, uuidParam(id));
    if (!job) throw notFound("job");
    return job;
  };
  const auth = requireApiKey(deps.db);
  const body = limitBody(32 * 1024);
  return new Hono<AuthEnv>()
    .delete("/:id", auth, async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      // A concurrent DELETE that committed first has done (or is doing) the work: still 204.
      await deleteJob(deps, job, "deleted by client");
      return c.body(null, 204);
    })
    .patch("/:id", auth, body, async (c) => {
      const { metadata } = await readJson(c, updateJobBody);
      const updated = await updateJobMetadata(
        deps.db,
        c.get("tenant"),
        uuidParam(c.req.param("id")),
        metadata,
      );
      if (!updated) throw notFound("job");
      return c.json(jobDto(updated));
    })
    .post("/:id/reprocess", auth, body, async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      const request = await readJson(c, reprocessBody);
      return c.json(jobDto(await reprocess(deps, job, request)), 202);
    });
}
