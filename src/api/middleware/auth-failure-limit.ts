import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import { QuotaError } from "../../quotas/index.js";

/** Addresses tracked at most; past this, the oldest windows are forgotten. */
const MAX_TRACKED = 10_000;
const WINDOW_MS = 60_000;

export interface AuthFailureLimiterProps {
  /** Failed authentications per address per minute before it is refused; 0: no limit. */
  perMinute: number;
  /** Use the last X-Forwarded-For hop (the one the trusted proxy appended). */
  trustForwardedFor: boolean;
  now?: () => number;
}

/**
 * Counts failed authentications (401 answers) per client address in this process, in fixed
 * one-minute windows. Per process on purpose: it is abuse protection, not a tenant's quota,
 * and a Postgres write per failed attempt would let a key-guesser turn garbage requests into
 * database load. With N API instances behind a balancer an address gets up to N × the limit.
 */
export class AuthFailureLimiter {
  readonly #props: AuthFailureLimiterProps;
  readonly #now: () => number;
  readonly #windows = new Map<string, { start: number; failures: number }>();

  constructor(props: AuthFailureLimiterProps) {
    this.#props = props;
    this.#now = props.now ?? Date.now;
  }

  get limit(): number {
    return this.#props.perMinute;
  }

  /** Seconds until `address` may try again, or 0 when it may now. */
  blockedFor(address: string): number {
    const w = this.#windows.get(address);
    if (!w || this.#props.perMinute <= 0) return 0;
    const left = w.start + WINDOW_MS - this.#now();
    if (left <= 0) {
      this.#windows.delete(address);
      return 0;
    }
    return w.failures >= this.#props.perMinute ? Math.ceil(left / 1000) : 0;
  }

  recordFailure(address: string): void {
    if (this.#props.perMinute <= 0) return;
    const now = this.#now();
    const w = this.#windows.get(address);
    if (w && w.start + WINDOW_MS > now) w.failures++;
    else {
      this.#windows.delete(address);
      this.#windows.set(address, { start: now, failures: 1 });
      this.#evict();
    }
  }

  /** The client's address: the socket's peer, or the proxy's last X-Forwarded-For hop. */
  addressOf(c: Context): string {
    if (this.#props.trustForwardedFor) {
      const hops = (c.req.header("x-forwarded-for") ?? "").split(",").map((h) => h.trim());
      const last = hops.filter(Boolean).at(-1);
      if (last) return last;
    }
    const env = c.env as { incoming?: { socket?: { remoteAddress?: string } } } | undefined;
    return env?.incoming?.socket?.remoteAddress ?? "unknown";
  }

  // A window is (re)inserted when it starts, so the Map's order is by start: the first entry
  // is the one that ends soonest. Dropping it is O(1), which matters under address spraying.
  #evict() {
    for (const address of this.#windows.keys()) {
      if (this.#windows.size <= MAX_TRACKED) break;
      this.#windows.delete(address);
    }
  }
}

/**
 * Refuses an address that failed authentication `perMinute` times this minute with 429
 * `rate_limited` and Retry-After, before its credentials are checked (so a guesser learns
 * nothing more), and counts every 401 the routes below answer.
 */
export function authFailureLimit(limiter: AuthFailureLimiter) {
  return createMiddleware(async function authFailureLimitMiddleware(c, next) {
    const address = limiter.addressOf(c);
    const wait = limiter.blockedFor(address);
    if (wait > 0) {
      throw new QuotaError("rate_limited", "auth_failures", limiter.limit, limiter.limit, wait);
    }
    await next();
    if (c.res.status === 401) limiter.recordFailure(address);
  });
}
