import { Hono } from "hono";
import { z } from "zod";
import { countOutputs } from "../../db/sql/count-outputs.js";
import { findJob } from "../../db/sql/find-job.js";
import { listChunks } from "../../db/sql/list-chunks.js";
import { listJobs } from "../../db/sql/list-jobs.js";
import { retryFailedJob } from "../../db/sql/retry-failed-job.js";
import { JOB_STAGES, JOB_STATUSES } from "../../jobs/state-machine.js";
import * as uploads from "../../uploads/service.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import { parseQuery } from "../body.js";
import { limitBody } from "../body-limit.js";
import type { AppDeps } from "../deps.js";
import { jobDto } from "../job-dto.js";
import { ApiError, notFound } from "../problem.js";
import { uuidParam } from "./params.js";

const listQuery = z.strictObject({
  status: z.enum(JOB_STATUSES).optional(),
  stage: z.enum(JOB_STAGES).optional(),
  errorCode: z.string().min(1).max(100).optional(),
  cursor: z.string().max(512).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

const chunksQuery = z.strictObject({
  after: z.coerce.number().int().min(-1).default(-1),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  embeddings: z.enum(["true", "false", "1", "0"]).optional(),
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
  // Per route, not a blanket `.use`: GET /:id/events, in its own router, authenticates its own way.
  const auth = requireApiKey(deps.db);
  const body = limitBody(16 * 1024);
  return new Hono<AuthEnv>()
    .get("/", auth, async (c) => {
      const { status, stage, errorCode, cursor, limit } = parseQuery(listQuery, c.req.query());
      const page = await listJobs(deps.db, c.get("tenant"), {
        status,
        stage,
        errorCode,
        cursor: decodeCursor(cursor),
        limit,
      });
      return c.json({ jobs: page.jobs.map((j) => jobDto(j)), nextCursor: page.nextCursor });
    })
    .get("/:id", auth, async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      return c.json(jobDto(job, await countOutputs(deps.db, job.reused_from ?? job.id)));
    })
    .get("/:id/chunks", auth, async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      // A job being reprocessed keeps serving the outputs it published until the new ones commit.
      if (job.status !== "completed" && !job.outputs_published) {
        throw new ApiError(
          409,
          "job_not_completed",
          `the job is ${job.status}; chunks are served once it completed`,
        );
      }
      const q = parseQuery(chunksQuery, c.req.query());
      const withEmbeddings = q.embeddings === "true" || q.embeddings === "1";
      const rows = await listChunks(deps.db, job.reused_from ?? job.id, {
        afterSeq: q.after,
        limit: q.limit,
        embeddings: withEmbeddings,
      });
      const chunks = rows.map((r) => {
        const e = r as typeof r & { model?: string; dimensions?: number; vector?: number[] };
        return {
          seq: r.seq,
          text: r.text,
          start: Number(r.start_offset),
          end: Number(r.end_offset),
          // `page` predates page ranges; it is kept equal to pageStart for existing readers.
          page: r.page,
          pageStart: r.page,
          pageEnd: r.page_end,
          headingPath: r.heading_path,
          tokenCount: r.token_count,
          ...(withEmbeddings
            ? { embedding: e.vector ? { model: e.model, dimensions: e.dimensions, vector: e.vector } : null }
            : {}),
        };
      });
      const last = chunks.at(-1);
      return c.json({ chunks, nextAfter: chunks.length === q.limit && last ? last.seq : null });
    })
    .post("/:id/retry", auth, body, async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      const retried = await retryFailedJob(deps.db, job.tenant_id, job.id);
      if (!retried)
        throw new ApiError(
          409,
          "job_not_failed",
          `the job is ${job.status}; only failed jobs can be retried`,
        );
      return c.json(jobDto(retried));
    })
    .post("/:id/cancel", auth, body, async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      const cancelled = await uploads.cancel(deps, job, "cancelled by client");
      if (!cancelled) throw new ApiError(409, "job_finished", `the job is already ${job.status}`);
      return c.json(jobDto(cancelled));
    });
}
