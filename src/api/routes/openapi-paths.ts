import { JOB_STAGES, JOB_STATUSES } from "../../jobs/state-machine.js";

/** Building blocks of the OpenAPI document (refs, problem responses) and its /v1/jobs paths. */

export const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
export const ok = (description: string, schema: object) => ({
  description,
  content: { "application/json": { schema } },
});
export const body = (name: string, required = true) => ({
  required,
  content: { "application/json": { schema: ref(name) } },
});
export const idParam = { name: "id", in: "path", required: true, schema: { type: "string", format: "uuid" } };
export const query = (name: string, schema: object, description?: string) => ({
  name,
  in: "query",
  schema,
  ...(description ? { description } : {}),
});

/** Error responses by status, each listing the stable `code`s it can carry. */
export function problems(byStatus: Record<number, string[]>) {
  return Object.fromEntries(
    Object.entries(byStatus).map(([status, codes]) => [
      status,
      {
        description: codes.join(", "),
        ...((status === "429" || status === "503") && { headers: { "Retry-After": retryAfter } }),
        content: {
          "application/problem+json": {
            schema: { allOf: [ref("Problem"), { properties: { code: { enum: codes } } }] },
          },
        },
      },
    ]),
  );
}
const retryAfter = {
  description: "seconds until the limit lets the request through",
  schema: { type: "integer", minimum: 1 },
};
/** Every authenticated route: 401, and 429 once an address has failed too often this minute. */
export const authed = { 401: ["unauthorized"], 429: ["rate_limited"] };
export const jobNotFound = { ...authed, 404: ["not_found"] };
export const badJson = ["malformed_json", "invalid_body"];
/** The /v1/jobs routes. */
export const jobPaths = {
  "/v1/jobs": {
    get: {
      summary: "List the tenant's jobs, newest first",
      parameters: [
        query("status", { type: "string", enum: [...JOB_STATUSES] }),
        query("stage", { type: "string", enum: [...JOB_STAGES] }),
        query("errorCode", { type: "string", maxLength: 100 }, "jobs whose error has this code"),
        query("cursor", { type: "string" }, "nextCursor of the previous page"),
        query("limit", { type: "integer", minimum: 1, maximum: 200, default: 50 }),
      ],
      responses: {
        200: ok("a page", {
          type: "object",
          properties: {
            jobs: { type: "array", items: ref("Job") },
            nextCursor: { type: "string", nullable: true },
          },
        }),
        ...problems({ 400: ["invalid_query", "invalid_cursor"], ...authed }),
      },
    },
  },
  "/v1/jobs/{id}": {
    get: {
      summary: "A job with its status, stage, progress, error and output counts",
      parameters: [idParam],
      responses: { 200: ok("the job", ref("Job")), ...problems(jobNotFound) },
    },
  },
  "/v1/jobs/{id}/retry": {
    post: {
      summary: "Resume a failed job at the stage it failed in",
      parameters: [idParam],
      responses: {
        200: ok("queued again", ref("Job")),
        ...problems({ ...jobNotFound, 409: ["job_not_failed"] }),
      },
    },
  },
  "/v1/jobs/{id}/cancel": {
    post: {
      summary: "Cancel a job; a running job loses its lease",
      parameters: [idParam],
      responses: { 200: ok("cancelled", ref("Job")), ...problems({ ...jobNotFound, 409: ["job_finished"] }) },
    },
  },
  "/v1/jobs/{id}/chunks": {
    get: {
      summary: "Chunks of a completed job, by seq, optionally with embeddings",
      parameters: [
        idParam,
        query("after", { type: "integer", minimum: -1, default: -1 }, "seq to continue after"),
        query("limit", { type: "integer", minimum: 1, maximum: 1000, default: 100 }),
        query("embeddings", { type: "string", enum: ["true", "false", "1", "0"] }),
      ],
      responses: {
        200: ok("a page", {
          type: "object",
          properties: {
            chunks: { type: "array", items: ref("Chunk") },
            nextAfter: { type: "integer", nullable: true },
          },
        }),
        ...problems({ 400: ["invalid_query"], ...jobNotFound, 409: ["job_not_completed"] }),
      },
    },
  },
  "/v1/jobs/{id}/document": {
    get: {
      summary: "The job's derived text: Markdown for structured formats, plain text for plain inputs",
      description:
        "Streamed from storage once the parse stage has run (`text/markdown` or `text/plain`, UTF-8). Headings keep their level, tables are GFM pipe tables, and a PDF's pages are in order.",
      parameters: [idParam],
      responses: {
        200: {
          description: "the document",
          content: {
            "text/markdown": { schema: { type: "string" } },
            "text/plain": { schema: { type: "string" } },
          },
        },
        ...problems({ ...jobNotFound, 409: ["document_not_ready"], 503: ["storage_unavailable"] }),
      },
    },
  },
  "/v1/jobs/{id}/file": {
    get: {
      summary: "Redirects to a short-lived (5 min) presigned GET of the original upload",
      parameters: [idParam],
      responses: {
        302: {
          description: "Location is a presigned URL that downloads the file under its name",
          headers: { Location: { schema: { type: "string", format: "uri" } } },
        },
        ...problems({ ...jobNotFound, 409: ["file_not_uploaded"] }),
      },
    },
  },
  "/v1/jobs/{id}/events": {
    get: {
      summary: "The job's events: Server-Sent Events (replay, then live), or JSON for polling",
      description:
        "SSE (default): each event is `id: <event id>` and `data: <JobEvent JSON>`; reconnecting with `Last-Event-ID` (which wins over `after`) resumes exactly after it; `: heartbeat` comments keep proxies from closing the stream; the stream ends after a terminal event (completed, failed, cancelled, expired) and a reconnect is then answered 204. A tenant with all its streams open is answered 429 `quota_exceeded`, a server with all its streams open (across tenants) 503 `too_many_streams`; both carry Retry-After, and the JSON form stays available. With `Accept: application/json`: one page of events after `after` and the job's current state.",
      security: [{ apiKey: [] }, { accessToken: [] }],
      parameters: [
        idParam,
        query("after", { type: "integer", minimum: 0 }, "event id to continue after (default 0)"),
        query("limit", { type: "integer", minimum: 1, maximum: 1000, default: 100 }, "JSON only"),
        query("access_token", { type: "string" }, "the API key, for clients that cannot send headers"),
        { name: "Last-Event-ID", in: "header", schema: { type: "string" } },
      ],
      responses: {
        200: {
          description: "an event stream, or a page of events",
          content: {
            "text/event-stream": { schema: { type: "string" } },
            "application/json": {
              schema: {
                type: "object",
                properties: {
                  job: ref("Job"),
                  events: { type: "array", items: ref("JobEvent") },
                  nextAfter: { type: "integer", description: "pass as `after` to get the next page" },
                },
              },
            },
          },
        },
        204: { description: "the job is finished and nothing follows the cursor: stop reconnecting" },
        ...problems({
          400: ["invalid_query"],
          ...jobNotFound,
          429: ["rate_limited", "quota_exceeded"],
          // This process holds INTAKE_MAX_STREAMS_PER_PROCESS streams already.
          503: ["too_many_streams"],
        }),
      },
    },
  },
};

/** DELETE, PATCH and reprocess of a job (src/api/routes/job-lifecycle.ts). */
export const jobLifecyclePaths = {
  "/v1/jobs/{id}": {
    delete: {
      summary:
        "Delete a job in any state: a running job is cancelled through its fence; the upload, derived text, chunks and embeddings are removed; a `deleted` event (job.deleted) remains",
      parameters: [idParam],
      responses: { 204: { description: "deleted" }, ...problems(jobNotFound) },
    },
    patch: {
      summary: "Replace a job's metadata without reprocessing",
      parameters: [idParam],
      requestBody: body("UpdateJob"),
      responses: { 200: ok("the job", ref("Job")), ...problems({ 400: badJson, ...jobNotFound }) },
    },
  },
  "/v1/jobs/{id}/reprocess": {
    post: {
      summary:
        "Run a completed or failed job again from a stage; its outputs stay readable until the new ones replace them at once",
      parameters: [idParam],
      requestBody: body("ReprocessJob"),
      responses: {
        202: ok("queued", ref("Job")),
        ...problems({
          400: badJson,
          ...jobNotFound,
          409: ["job_not_finished", "outputs_missing", "outputs_shared"],
          422: ["unsupported_setting"],
        }),
      },
    },
  },
};
