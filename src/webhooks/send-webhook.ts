import http from "node:http";
import https from "node:https";
import { isIP } from "node:net";
import {
  assertWebhookUrlShape,
  checkWebhookUrl,
  guardedLookup,
  hostOf,
  type ResolveAll,
} from "./url-policy.js";
import { WebhookError } from "./webhook-error.js";

export interface SendWebhookProps {
  url: string;
  headers: Record<string, string>;
  body: string;
  /** The whole attempt (DNS, connect, TLS, response headers); past it the request is destroyed. */
  timeoutMs: number;
  allowPrivate: boolean;
  resolve?: ResolveAll;
}

/** What the receiver answered; network errors, timeouts and refused URLs are thrown. */
export interface SendOutcome {
  statusCode: number;
}

export class WebhookTimeoutError extends Error {
  override name = "WebhookTimeoutError";
}

/**
 * POSTs one signed webhook with node:http(s): no redirects are followed (a 3xx is an answer,
 * and not a 2xx), no connection is reused (agent: false), and, unless private URLs are
 * allowed, the address is checked after DNS at connect time by `guardedLookup` (or here, for
 * an IP literal, which Node connects to without a lookup).
 */
export async function sendWebhook(props: SendWebhookProps): Promise<SendOutcome> {
  const policy = { allowPrivate: props.allowPrivate, resolve: props.resolve };
  const url = assertWebhookUrlShape(props.url, policy);
  if (!props.allowPrivate && isIP(hostOf(url))) await checkWebhookUrl(props.url, policy);
  const client = url.protocol === "https:" ? https : http;
  return new Promise<SendOutcome>((resolve, reject) => {
    const req = client.request(url, {
      method: "POST",
      agent: false,
      headers: { ...props.headers, "content-length": String(Buffer.byteLength(props.body)) },
      ...(props.allowPrivate ? {} : { lookup: guardedLookup(props.resolve) }),
    });
    const timer = setTimeout(
      () => req.destroy(new WebhookTimeoutError(`no answer within ${props.timeoutMs} ms`)),
      props.timeoutMs,
    );
    req.once("response", (res) => {
      clearTimeout(timer);
      // The body is not read (receivers should answer quickly with an empty one); the socket
      // is closed so that a receiver streaming forever holds nothing here.
      res.destroy();
      resolve({ statusCode: res.statusCode ?? 0 });
    });
    req.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    req.end(props.body);
  });
}

/** A short, stable description of why an attempt failed, for the attempt row and the API. */
export function describeSendError(err: unknown): string {
  if (err instanceof WebhookError) return `${err.code}: ${err.message}`;
  if (err instanceof WebhookTimeoutError) return `timeout: ${err.message}`;
  const e = err as NodeJS.ErrnoException;
  return `${e.code ?? e.name ?? "error"}: ${e.message}`.slice(0, 500);
}
