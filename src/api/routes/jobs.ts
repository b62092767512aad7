import { Hono } from "hono";
import { z } from "zod";
import { countOutputs, findJob, listJobs } from "../../jobs/job-queries.js";
import { JOB_STATUSES } from "../../jobs/state-machine.js";
import { cancelJob } from "../../jobs/upload-lifecycle.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import type { AppDeps } from "../deps.js";
import { jobDto } from "../job-dto.js";
import { ApiError, notFound } from "../problem.js";
import { uuidParam } from "./params.js";

const listQuery = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const cursorSchema = z.strictObject({ createdAt: z.iso.datetime(), id: z.uuid() });

function decodeCursor(cursor: string | undefined) {
  if (!cursor) return undefined;
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString()));
  } catch {
    throw new ApiError(400, "invalid_cursor", "cursor is not one this API returned", { field: "cursor" });
  }
}

export function jobRoutes(deps: AppDeps) {
  const loadJob = async (tenant: string, id: string) => {
    const job = await findJob(deps.db, tenant, uuidParam(id));
    if (!job) throw notFound("job");
    return job;
  };
  return new Hono<AuthEnv>()
    .use(requireApiKey(deps.db))
    .get("/", async (c) => {
      const parsed = listQuery.safeParse(c.req.query());
      if (!parsed.success) {
        const issue = parsed.error.issues[0]!;
        const field = issue.path.join(".") || "(query)";
        throw new ApiError(400, "invalid_query", `${field}: ${issue.message}`, { field });
      }
      const { status, cursor, limit } = parsed.data;
      const page = await listJobs(deps.db, c.get("tenant"), { status, cursor: decodeCursor(cursor), limit });
      return c.json({ jobs: page.jobs.map((j) => jobDto(j)), nextCursor: page.nextCursor });
    })
    .get("/:id", async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      return c.json(jobDto(job, await countOutputs(deps.db, job.reused_from ?? job.id)));
    })
    .post("/:id/cancel", async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      const cancelled = await cancelJob(deps.db, job, "cancelled by client");
      if (!cancelled) throw new ApiError(409, "job_finished", `the job is already ${job.status}`);
      return c.json(jobDto(cancelled));
    });
}
