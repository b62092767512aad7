import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

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
  return c.newResponse(JSON.stringify(body), err.status, { "content-type": "application/problem+json" });
}

export const notFound = (what: string) => new ApiError(404, "not_found", `${what} not found`);
