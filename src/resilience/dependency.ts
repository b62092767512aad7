import CircuitBreaker from "opossum";
import pRetry from "p-retry";
import type { Metrics } from "../observability/metrics.js";

/**
 * Thrown when a dependency (storage, embedding provider) is unavailable: its breaker is open or
 * it kept failing at the network level. Workers requeue the job without spending its attempt
 * when the outage is confirmed (an outage delays jobs, it does not fail them); see
 * src/worker/runtime.ts for what confirms one.
 */
export class DependencyUnavailableError extends Error {
  override name = "DependencyUnavailableError";
  constructor(
    readonly dependency: string,
    override readonly cause: unknown,
    /** The breaker refused the call: the dependency was already judged down. */
    readonly refused = false,
  ) {
    super(`${dependency} is unavailable: ${(cause as Error)?.message ?? String(cause)}`);
  }
}

export interface DependencyProps {
  name: string;
  metrics?: Metrics;
  /** Whether an error is worth another try (network errors, 5xx, throttling). */
  isTransient: (err: unknown) => boolean;
  /** Whether a transient error means the dependency itself is down (refund the attempt). */
  isOutage?: (err: unknown) => boolean;
  retries?: number;
  minRetryMs?: number;
  /** How long the breaker stays open before letting a trial call through. */
  resetTimeoutMs?: number;
}

/**
 * One guarded dependency: calls go through p-retry (transient errors only, a few quick tries)
 * inside an opossum circuit breaker. The breaker counts only transient failures, so a caller's
 * bad input (404, 400) never opens it.
 */
export class Dependency {
  readonly name: string;
  private readonly breaker: CircuitBreaker<[() => Promise<unknown>], unknown>;

  constructor(private readonly props: DependencyProps) {
    this.name = props.name;
    this.breaker = new CircuitBreaker((fn: () => Promise<unknown>) => fn(), {
      timeout: false,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      rollingCountTimeout: 10_000,
      resetTimeout: props.resetTimeoutMs ?? 2000,
      errorFilter: (err) => !props.isTransient(err),
    });
    const gauge = props.metrics?.breakerState;
    gauge?.set({ dependency: this.name }, 0);
    this.breaker.on("open", () => gauge?.set({ dependency: this.name }, 1));
    this.breaker.on("halfOpen", () => gauge?.set({ dependency: this.name }, 1));
    this.breaker.on("close", () => gauge?.set({ dependency: this.name }, 0));
  }

  /** True while calls are refused outright; workers stop claiming work that needs this. */
  get isOpen(): boolean {
    return this.breaker.opened;
  }

  /** `retries: 0` for a call that cannot be replayed (a streamed body): the breaker still counts it. */
  async call<T>(fn: () => Promise<T>, opts: { retries?: number } = {}): Promise<T> {
    try {
      return (await pRetry(() => this.breaker.fire(fn) as Promise<T>, {
        retries: opts.retries ?? this.props.retries ?? 3,
        minTimeout: this.props.minRetryMs ?? 100,
        factor: 2,
        randomize: true,
        shouldRetry: ({ error }) => !this.breaker.opened && this.props.isTransient(error),
      })) as T;
    } catch (err) {
      // Refused without being tried: the attempt did not happen, so it must not be spent. An
      // error the dependency actually returned is a real failed attempt, even if it opened the
      // breaker; otherwise a dependency that always fails would keep its jobs queued forever.
      if ((err as { code?: string }).code === "EOPENBREAKER")
        throw new DependencyUnavailableError(this.name, err, true);
      if (this.props.isOutage?.(err)) throw new DependencyUnavailableError(this.name, err);
      throw err;
    }
  }

  shutdown(): void {
    this.breaker.shutdown();
  }
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "ETIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "UND_ERR_SOCKET",
]);

/** Network-level failure: nothing answered, or the connection broke. */
export function isNetworkError(err: unknown): boolean {
  let e: unknown = err;
  for (let depth = 0; e && depth < 4; depth++) {
    const code = (e as { code?: string }).code;
    if (code && NETWORK_CODES.has(code)) return true;
    const name = (e as Error).name;
    if (name === "TimeoutError") return true;
    if (/socket hang up|ECONNREFUSED|ECONNRESET|fetch failed/i.test((e as Error).message ?? "")) return true;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}
