import type { Metrics } from "../observability/metrics.js";
import { ApiError } from "./problem.js";

/**
 * Retry-After of a full process. Behind a balancer the retry may well land on another instance;
 * a single instance frees places as streams end (a terminal event, the 10-minute idle close).
 */
const RETRY_AFTER_SECONDS = 10;

export interface ProcessStreamsProps {
  /** Streams open at once in this process; 0 is unlimited. */
  limit: number;
  metrics?: Metrics;
}

/**
 * The SSE streams this API process holds open, capped by `INTAKE_MAX_STREAMS_PER_PROCESS`. The
 * tenants' caps (StreamSlots) are shared by every instance and bound no single process, while
 * each stream costs this process a socket, timers and a share of its LISTEN fan-out whatever
 * its tenant. Counted in memory, without Postgres: it is this process's load, and a refusal
 * must cost nothing.
 */
export class ProcessStreams {
  readonly #props: ProcessStreamsProps;
  #open = 0;

  constructor(props: ProcessStreamsProps) {
    this.#props = props;
  }

  get open(): number {
    return this.#open;
  }

  get limit(): number {
    return this.#props.limit;
  }

  /**
   * A place for one stream, given back by the function returned (only its first call counts,
   * so every way a stream ends may call it); 503 `too_many_streams` when the process is full.
   */
  take(): () => void {
    const { limit, metrics } = this.#props;
    if (limit > 0 && this.#open >= limit) {
      throw new ApiError(
        503,
        "too_many_streams",
        `this server has its maximum of ${limit} event streams open; retry later, or poll with Accept: application/json`,
        { limit },
        { "retry-after": String(RETRY_AFTER_SECONDS) },
      );
    }
    this.#open++;
    // inc/dec, not set: tests run several apps on one registry, and the gauge is their sum.
    metrics?.sseStreamsOpen.inc();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#open--;
      metrics?.sseStreamsOpen.dec();
    };
  }
}
