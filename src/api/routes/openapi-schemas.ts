import { z } from "zod";
import { JOB_STAGES, JOB_STATUSES } from "../../jobs/state-machine.js";
import { completeUploadBody, createUploadBody, signPartsBody } from "../../uploads/schemas.js";
import { keySchemas } from "./openapi-keys.js";
import { webhookSchemas } from "./openapi-webhooks.js";

/** Request bodies come from the zod schemas the routes validate with, so the two cannot drift. */
const fromZod = (schema: z.ZodType) => z.toJSONSchema(schema, { io: "input", target: "openapi-3.0" });

const str = { type: "string" } as const;
const nullable = (s: object) => ({ ...s, nullable: true });
const time = nullable({ type: "string", format: "date-time" });
const stringMap = { type: "object", additionalProperties: str } as const;

/** Response shapes, written by hand after `jobDto`, `eventDto` and the presign module. */
export const components = {
  schemas: {
    CreateUpload: fromZod(createUploadBody),
    CompleteUpload: fromZod(completeUploadBody),
    SignParts: fromZod(signPartsBody),
    Problem: {
      type: "object",
      description: "RFC 9457 problem details; `code` is stable.",
      required: ["type", "title", "status", "code", "detail"],
      properties: {
        type: str,
        title: str,
        status: { type: "integer" },
        code: str,
        detail: str,
        instance: str,
        field: { ...str, description: "the field at fault (invalid_body, invalid_query)" },
        quota: {
          type: "string",
          enum: ["uploads_per_minute", "bytes", "documents", "streams", "auth_failures"],
          description: "the limit that refused (rate_limited, quota_exceeded)",
        },
        limit: { type: "integer", description: "the limit in effect (rate_limited, quota_exceeded)" },
        usage: { type: "integer", description: "the usage it was measured against" },
      },
    },
    Job: {
      type: "object",
      required: ["id", "status", "stage", "filename", "contentType", "size", "attempt", "createdAt"],
      properties: {
        id: { type: "string", format: "uuid" },
        status: { type: "string", enum: [...JOB_STATUSES] },
        stage: { type: "string", enum: [...JOB_STAGES] },
        filename: str,
        contentType: str,
        size: { type: "integer" },
        sha256: nullable(str),
        metadata: { type: "object" },
        attempt: { type: "integer" },
        maxAttempts: { type: "integer" },
        progress: nullable({ type: "object" }),
        warnings: {
          type: "array",
          items: { type: "string", enum: ["no_text_layer"] },
          description:
            "no_text_layer: the job completed, but pages without a text layer (scans, images) were not read because OCR is off or not installed",
        },
        error: nullable({
          type: "object",
          properties: { code: str, message: str, stage: str, retryable: { type: "boolean" } },
        }),
        reusedFrom: nullable({ type: "string", format: "uuid" }),
        settings: nullable({
          type: "object",
          description: "pipeline settings of this job that override the server's (set by a reprocess)",
          properties: {
            chunkSize: { type: "integer" },
            chunkOverlap: { type: "integer" },
            embedderModel: str,
          },
        }),
        outputs: {
          type: "object",
          properties: {
            documents: { type: "integer" },
            chunks: { type: "integer" },
            embeddings: { type: "integer" },
          },
        },
        createdAt: time,
        uploadedAt: time,
        startedAt: time,
        finishedAt: time,
        updatedAt: time,
        uploadExpiresAt: time,
        runAfter: {
          ...time,
          description: "a queued job is not claimed before this (backoff, a released attempt)",
        },
      },
    },
    PartUrl: {
      type: "object",
      properties: { partNumber: { type: "integer" }, url: str, size: { type: "integer" } },
    },
    UploadInstructions: {
      description: "How to send the file: a presigned PUT, a POST form, or multipart part URLs.",
      oneOf: [
        {
          type: "object",
          properties: { method: { enum: ["PUT"] }, url: str, headers: stringMap, expiresAt: time },
        },
        {
          type: "object",
          properties: { method: { enum: ["POST"] }, url: str, fields: stringMap, expiresAt: time },
        },
        {
          type: "object",
          properties: {
            method: { enum: ["multipart"] },
            uploadId: str,
            partSize: { type: "integer" },
            partCount: { type: "integer" },
            parts: { type: "array", items: { $ref: "#/components/schemas/PartUrl" } },
            expiresAt: time,
          },
        },
      ],
    },
    JobEvent: {
      type: "object",
      description:
        "One job_events row. Types include created, uploaded, upload_rejected, progress, stage_completed, retry_scheduled, released, lease_expired, retry_requested, reprocess_requested and the terminal completed, failed, cancelled, expired, deleted.",
      properties: {
        id: { type: "integer", description: "increasing per job; the SSE `id:`" },
        jobId: { type: "string", format: "uuid" },
        type: str,
        data: { type: "object" },
        createdAt: time,
      },
    },
    Chunk: {
      type: "object",
      properties: {
        seq: { type: "integer" },
        text: {
          type: "string",
          description:
            "The chunk's text. A chunk that starts inside a Markdown table's body repeats the table's header and delimiter rows first (inside a code block, its opening fence), so `text` may be longer than `end - start`.",
        },
        start: { type: "integer" },
        end: { type: "integer" },
        page: nullable({ type: "integer", description: "same as pageStart (kept for compatibility)" }),
        pageStart: nullable({
          type: "integer",
          description: "first page the chunk touches; null without pages",
        }),
        pageEnd: nullable({
          type: "integer",
          description: "last page the chunk touches; null without pages",
        }),
        headingPath: {
          type: "array",
          items: str,
          description:
            "Markdown headings in effect where the chunk begins, outermost first; [] for plain text",
        },
        tokenCount: {
          type: "integer",
          description: "cl100k_base tokens with INTAKE_CHUNK_UNIT=tokens; an estimate otherwise",
        },
        embedding: nullable({
          type: "object",
          properties: {
            model: str,
            dimensions: { type: "integer" },
            vector: { type: "array", items: { type: "number" } },
          },
        }),
      },
    },
    ...webhookSchemas,
    UpdateJob: {
      type: "object",
      required: ["metadata"],
      additionalProperties: false,
      properties: {
        metadata: {
          type: "object",
          description: "replaces the job's metadata; at most 16 KiB and 8 levels deep",
        },
      },
    },
    ReprocessJob: {
      type: "object",
      required: ["from"],
      additionalProperties: false,
      properties: {
        from: {
          type: "string",
          enum: [...JOB_STAGES],
          description: "a job that reused another's outputs runs from parse",
        },
        settings: {
          type: "object",
          additionalProperties: false,
          description: "override the process's settings for this job (kept for later reprocessing)",
          properties: {
            chunkSize: { type: "integer", minimum: 16, maximum: 100000 },
            chunkOverlap: { type: "integer", minimum: 0, maximum: 50000 },
            embedderModel: { type: "string", description: "needs an OpenAI-compatible embedder" },
          },
        },
      },
    },
    ...keySchemas,
  },
  securitySchemes: {
    apiKey: { type: "http", scheme: "bearer", description: "an intake API key" },
    accessToken: {
      type: "apiKey",
      in: "query",
      name: "access_token",
      description: "the API key in the query; only GET /v1/jobs/{id}/events accepts it (EventSource)",
    },
    webhookToken: { type: "http", scheme: "bearer", description: "INTAKE_WEBHOOK_TOKEN" },
  },
};
