/** Which limit refused: the stable `quota` field of the problem body. */
export type QuotaName = "uploads_per_minute" | "bytes" | "documents" | "streams" | "auth_failures";

/**
 * A refusal by a tenant limit. `rate_limited` passes with time (`retryAfterSeconds`);
 * `quota_exceeded` passes when something is released (a stream ends, a job is cancelled,
 * expires or is deleted), so storage quotas carry no retry hint.
 */
export class QuotaError extends Error {
  override name = "QuotaError";
  constructor(
    readonly code: "rate_limited" | "quota_exceeded",
    readonly quota: QuotaName,
    readonly limit: number,
    readonly usage: number,
    readonly retryAfterSeconds?: number,
  ) {
    super(
      code === "rate_limited"
        ? `rate limit reached: ${limit} ${quota.replaceAll("_", " ")}; retry in ${retryAfterSeconds} s`
        : `quota exceeded: ${quota} ${usage} of ${limit}`,
    );
  }

  /** The problem body's fields beside `code`. */
  get details() {
    return { quota: this.quota, limit: this.limit, usage: this.usage };
  }
}
