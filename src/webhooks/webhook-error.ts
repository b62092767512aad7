/** Why the webhooks service refused a request; `src/api/problem.ts` maps each code to HTTP. */
export type WebhookErrorCode =
  /** Not an absolute http(s) URL, or http without INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS. */
  | "invalid_webhook_url"
  /** The host is, or resolves to, an address intake refuses to call (loopback, private, …). */
  | "webhook_url_forbidden"
  /** The host does not resolve. */
  | "webhook_url_unresolvable"
  /** The delivery has an attempt in flight; redeliver it once that ends. */
  | "delivery_in_flight";

export class WebhookError extends Error {
  override name = "WebhookError";
  constructor(
    readonly code: WebhookErrorCode,
    message: string,
  ) {
    super(message);
  }
}
