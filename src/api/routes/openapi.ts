import { Hono } from "hono";
import { keyPaths } from "./openapi-keys.js";
import {
  authed,
  badJson,
  body,
  idParam,
  jobLifecyclePaths,
  jobNotFound,
  jobPaths,
  ok,
  problems,
  ref,
} from "./openapi-paths.js";
import { components } from "./openapi-schemas.js";
import { webhookPaths } from "./openapi-webhooks.js";

const jobWithUpload = { allOf: [ref("Job"), { properties: { upload: ref("UploadInstructions") } }] };
const parts = {
  type: "object",
  properties: { parts: { type: "array", items: ref("PartUrl") } },
};

const paths = {
  "/v1/uploads": {
    post: {
      summary: "Create an upload (a job awaiting its file) and get presigned upload instructions",
      parameters: [{ name: "Idempotency-Key", in: "header", schema: { type: "string" } }],
      requestBody: body("CreateUpload"),
      responses: {
        201: ok("created", jobWithUpload),
        200: ok("the job of a replayed idempotency key, with fresh URLs", jobWithUpload),
        ...problems({
          400: badJson,
          ...authed,
          409: ["idempotency_key_reused"],
          413: ["file_too_large", "quota_exceeded"],
          422: ["priority_too_high"],
        }),
      },
    },
  },
  "/v1/uploads/{id}": {
    delete: {
      summary: "Cancel an upload that has not completed; deletes partial data",
      parameters: [idParam],
      responses: {
        200: ok("cancelled", ref("Job")),
        ...problems({ ...jobNotFound, 409: ["upload_not_awaiting"] }),
      },
    },
  },
  "/v1/uploads/{id}/complete": {
    post: {
      summary: "Verify the uploaded object (HEAD: size, type, sha256) and queue the job",
      parameters: [idParam],
      requestBody: body("CompleteUpload", false),
      responses: {
        200: ok("queued (or already past awaiting_upload)", ref("Job")),
        ...problems({
          400: badJson,
          ...jobNotFound,
          409: ["object_missing", "upload_not_awaiting", "not_multipart"],
          422: ["size_mismatch", "checksum_mismatch", "content_type_mismatch", "invalid_parts"],
        }),
      },
    },
  },
  "/v1/uploads/{id}/parts": {
    post: {
      summary: "Sign more multipart part URLs",
      parameters: [idParam],
      requestBody: body("SignParts"),
      responses: {
        200: ok("signed parts", parts),
        ...problems({
          400: [...badJson, "invalid_part_number"],
          ...jobNotFound,
          409: ["not_multipart", "upload_not_awaiting"],
        }),
      },
    },
    get: {
      summary: "List the parts S3 already holds (to resume)",
      parameters: [idParam],
      responses: {
        200: ok("uploaded parts", parts),
        ...problems({ ...jobNotFound, 409: ["not_multipart", "upload_not_awaiting"] }),
      },
    },
  },
  ...jobPaths,
  ...jobLifecyclePaths,
  "/v1/jobs/{id}": { ...jobPaths["/v1/jobs/{id}"], ...jobLifecyclePaths["/v1/jobs/{id}"] },
  ...webhookPaths,
  ...keyPaths,
  "/v1/storage-events": {
    post: {
      summary: "S3 / MinIO bucket notification webhook; completes the job of each created object",
      security: [{ webhookToken: [] }],
      requestBody: { required: true, content: { "application/json": { schema: { type: "object" } } } },
      responses: {
        200: ok("the outcome per record", { type: "object", properties: { results: { type: "array" } } }),
        ...problems({ 400: badJson, ...authed }),
      },
    },
    get: {
      summary: "Probe (MinIO checks the target with HEAD)",
      security: [{ webhookToken: [] }],
      responses: { 200: { description: "reachable" }, ...problems(authed) },
    },
  },
};

/** The OpenAPI 3.0 document of intake's /v1 API; built once per process. */
export const openApiDocument = {
  openapi: "3.0.3",
  info: { title: "intake", version: "0.1.0", description: "Upload-and-ingest pipeline API" },
  security: [{ apiKey: [] }],
  paths,
  components,
};

export function openApiRoutes() {
  return new Hono().get("/openapi.json", (c) => c.json(openApiDocument));
}
