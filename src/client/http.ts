import { errorFromResponse, IntakeError, networkError } from "./errors.js";
import type { ClientOptions } from "./types.js";

/** Calls intake's JSON API with the bearer key; non-2xx answers throw IntakeError, 204 resolves undefined. */
export async function apiRequest<T>(
  client: ClientOptions,
  method: string,
  path: string,
  body?: unknown,
  init: { signal?: AbortSignal; headers?: Record<string, string> } = {},
): Promise<T> {
  const doFetch = client.fetch ?? globalThis.fetch;
  const headers: Record<string, string> = {
    authorization: `Bearer ${client.apiKey}`,
    accept: "application/json",
    ...init.headers,
  };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await doFetch(new URL(path, client.url), {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: init.signal,
    });
  } catch (err) {
    throw networkError(err);
  }
  if (!res.ok) throw await errorFromResponse(res);
  // 204 No Content (a DELETE): there is no body to parse.
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/**
 * Runs `attempt` up to `attempts` times while it throws a retryable IntakeError, waiting
 * base·2^n ms with full jitter between tries (the AWS architecture blog's recommendation: it
 * spreads retries of many parallel parts instead of synchronising them).
 */
export async function withRetry<T>(
  attempt: (n: number) => Promise<T>,
  opts: { attempts: number; baseMs: number; signal?: AbortSignal },
): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const e = networkError(err);
      if (!e.retryable || n >= opts.attempts || opts.signal?.aborted) throw e;
      await delay(Math.random() * opts.baseMs * 2 ** (n - 1), opts.signal);
    }
  }
}

export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new IntakeError("aborted", 0, "aborted"));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new IntakeError("aborted", 0, "aborted"));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
