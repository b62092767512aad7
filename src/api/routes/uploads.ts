import { Hono } from "hono";
import { findJob } from "../../db/sql/find-job.js";
import { completeUploadBody, createUploadBody, signPartsBody } from "../../uploads/schemas.js";
import {
  assembleMultipart,
  completeFrom,
  createUpload,
  endAwaitingUpload,
  listUploadedParts,
  signParts,
} from "../../uploads/service.js";
import { type AuthEnv, requireApiKey } from "../auth.js";
import { readJson } from "../body.js";
import { limitBody } from "../body-limit.js";
import type { AppDeps } from "../deps.js";
import { jobDto } from "../job-dto.js";
import { ApiError, notFound } from "../problem.js";
import { uuidParam } from "./params.js";

export function uploadRoutes(deps: AppDeps) {
  const loadJob = async (tenant: string, id: string) => {
    const job = await findJob(deps.db, tenant, uuidParam(id));
    if (!job) throw notFound("upload");
    return job;
  };

  return new Hono<AuthEnv>()
    .use(requireApiKey(deps.db))
    .use(limitBody(64 * 1024))
    .post("/", async (c) => {
      const body = await readJson(c, createUploadBody);
      const headerKey = c.req.header("idempotency-key");
      if (headerKey && body.idempotencyKey && headerKey !== body.idempotencyKey) {
        throw new ApiError(400, "invalid_body", "Idempotency-Key header and idempotencyKey field differ", {
          field: "idempotencyKey",
        });
      }
      const { job, created, upload } = await createUpload(deps, c.get("tenant"), {
        ...body,
        idempotencyKey: body.idempotencyKey ?? headerKey,
      });
      return c.json({ ...jobDto(job), upload }, created ? 201 : 200);
    })
    .post("/:id/complete", async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      const { parts } = await readJson(c, completeUploadBody, { optional: true });
      if (job.status === "awaiting_upload" && job.upload_method === "multipart") {
        if (!parts?.length)
          throw new ApiError(400, "invalid_body", "parts: required for a multipart upload", {
            field: "parts",
          });
        await assembleMultipart(deps, job, parts);
      }
      const result = await completeFrom(deps, job, "callback");
      switch (result.outcome) {
        case "ok":
        case "already":
          return c.json(jobDto(result.job));
        case "missing":
          throw new ApiError(409, "object_missing", "no object has been uploaded for this job yet", {
            jobId: job.id,
          });
        case "mismatch":
          throw new ApiError(422, result.code, `${result.detail}; the object was deleted, upload it again`, {
            jobId: job.id,
          });
        case "not_awaiting":
          throw new ApiError(409, "upload_not_awaiting", `the job is ${result.job.status}`, {
            jobId: job.id,
          });
      }
    })
    .post("/:id/parts", async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      const { partNumbers } = await readJson(c, signPartsBody);
      return c.json({ parts: await signParts(deps, job, partNumbers) });
    })
    .get("/:id/parts", async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      return c.json({ parts: await listUploadedParts(deps, job) });
    })
    .delete("/:id", async (c) => {
      const job = await loadJob(c.get("tenant"), c.req.param("id"));
      if (job.status !== "awaiting_upload") {
        throw new ApiError(
          409,
          "upload_not_awaiting",
          `the job is ${job.status}; cancel it with POST /v1/jobs/{id}/cancel`,
        );
      }
      const cancelled = await endAwaitingUpload(deps, job, "cancelled", "upload cancelled by client");
      if (!cancelled)
        throw new ApiError(409, "upload_not_awaiting", "the upload completed or ended meanwhile");
      return c.json(jobDto(cancelled));
    });
}
