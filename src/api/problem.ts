import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { JobError, type JobErrorCode } from "../jobs/job-error.js";
import { QuotaError } from "../quotas/index.js";
import { DependencyUnavailableError } from "../resilience/dependency.js";
import { ObjectNotFoundError } from "../storage/errors.js";
import { UploadError, type UploadErrorCode } from "../uploads/upload-error.js";
import { WebhookError, type WebhookErrorCode } from "../webhooks/webhook-error.js";

/**
 * The one error type of the API. `code` is stable and part of the contract; `detail` is for
 * people. Thrown anywhere below a route and rendered as RFC 9457 problem+json by `onError`.
 */
export class ApiError extends Error {
  override name = "ApiError";
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    readonly extra: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
  }
}

const TITLES: Partial<Record<number, string>> = {
  400: "Bad Request",
  401: "Unauthorized",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
};

export function problem(c: Context, err: ApiError): Response {
  const body = {
    type: `https://intake.dev/problems/${err.code}`,
    title: TITLES[err.status] ?? "Error",
    status: err.status,
    code: err.code,
    detail: err.detail,
    instance: c.req.path,
    ...err.extra,
  };
  return c.newResponse(JSON.stringify(body), err.status, {
    ...err.headers,
    "content-type": "application/problem+json",
  });
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);

const RETRY_AFTER_SECONDS = 5;

/** The HTTP status of each refusal of the upload service: the one place domain errors meet HTTP. */
const UPLOAD_STATUS: Record<UploadErrorCode, ContentfulStatusCode> = {
  file_too_large: 413,
  idempotency_key_reused: 409,
  invalid_part_number: 400,
  invalid_parts: 422,
  not_multipart: 409,
  priority_too_high: 422,
  upload_not_awaiting: 409,
};

const JOB_STATUS: Record<JobErrorCode, ContentfulStatusCode> = {
  document_not_ready: 409,
  file_not_uploaded: 409,
  job_not_finished: 409,
  outputs_missing: 409,
  outputs_shared: 409,
  unsupported_setting: 422,
};

const WEBHOOK_STATUS: Record<WebhookErrorCode, ContentfulStatusCode> = {
  invalid_webhook_url: 422,
  webhook_url_forbidden: 422,
  webhook_url_unresolvable: 422,
  delivery_in_flight: 409,
};

/** A domain error as the ApiError it is answered with, or undefined for anything else. */
export function fromDomainError(err: unknown): ApiError | undefined {
  if (err instanceof JobError) return new ApiError(JOB_STATUS[err.code], err.code, err.message);
  // An object the database names but storage lacks (removed behind intake's back).
  if (err instanceof ObjectNotFoundError) return new ApiError(404, "not_found", "the stored file is gone");
  if (err instanceof UploadError)
    return new ApiError(UPLOAD_STATUS[err.code], err.code, err.message, err.details);
  if (err instanceof WebhookError) return new ApiError(WEBHOOK_STATUS[err.code], err.code, err.message);
  if (err instanceof QuotaError) return quotaProblem(err);
  if (err instanceof DependencyUnavailableError) {
    // A storage outage is the client's cue to try again shortly, not a bug to report.
    return new ApiError(
      503,
      `${err.dependency}_unavailable`,
      `${err.dependency} is unavailable; try again shortly`,
      {},
      { "retry-after": String(RETRY_AFTER_SECONDS) },
    );
  }
  return undefined;
}

/**
 * A tenant limit's refusal: 413 for what the tenant stores (bytes, documents: waiting does not
 * help, releasing does), 429 with Retry-After for rates and open streams. The body carries
 * `quota`, `limit` and `usage`.
 */
function quotaProblem(err: QuotaError): ApiError {
  const stored = err.quota === "bytes" || err.quota === "documents";
  const headers: Record<string, string> =
    err.retryAfterSeconds === undefined ? {} : { "retry-after": String(err.retryAfterSeconds) };
  return new ApiError(stored ? 413 : 429, err.code, err.message, err.details, headers);
}
