import type { NotificationListener } from "../db/notification-listener.js";
import { EVENTS_CHANNEL } from "../db/sql/job-events.js";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";

/** What a subscriber hears. Payloads carry ids only: subscribers read the rows themselves. */
export interface JobEventListener {
  /** A job event with this id committed. */
  onEvent(id: bigint): void;
  /**
   * The LISTEN connection was re-established: notifications sent while it was down are lost,
   * so re-read everything after your cursor.
   */
  onResync(): void;
  /** The hub is closing; end the stream. */
  onClose(): void;
}

export interface Subscription {
  unsubscribe(): void;
}

export interface JobEventHubProps {
  /** The process's LISTEN connection (shared with its workers). */
  listener: NotificationListener;
  logger: Logger;
  metrics?: Metrics;
}

/**
 * Job events fanned out in process to the SSE streams of each job, from the process's one
 * LISTEN connection on `intake_job_events`. The hub listens on the first subscription (a
 * process that never streams adds nothing); after the connection is re-established every
 * subscriber is told to resync, since NOTIFYs are not queued for a listener that is gone.
 *
 * `subscribe` resolves once LISTEN is active, so a caller that subscribes first and reads
 * the table afterwards misses nothing: a commit either precedes the read (and is in it) or
 * follows the LISTEN (and is notified).
 */
export class JobEventHub {
  readonly #props: JobEventHubProps;
  readonly #subscribers = new Map<string, Set<JobEventListener>>();
  #listening: Promise<() => void> | null = null;
  #closed = false;

  constructor(props: JobEventHubProps) {
    this.#props = props;
  }

  /** Streams currently subscribed, across all jobs. */
  get subscriberCount(): number {
    let n = 0;
    for (const set of this.#subscribers.values()) n += set.size;
    return n;
  }

  /** Registers `listener` for `jobId`'s events; resolves when LISTEN is active. */
  async subscribe(jobId: string, listener: JobEventListener): Promise<Subscription> {
    if (this.#closed) throw new Error("the job event hub is closed");
    const set = this.#subscribers.get(jobId) ?? new Set<JobEventListener>();
    this.#subscribers.set(jobId, set);
    set.add(listener);
    this.#props.metrics?.sseStreams.inc();
    const subscription = {
      unsubscribe: () => {
        if (!set.delete(listener)) return;
        this.#props.metrics?.sseStreams.dec();
        if (set.size === 0 && this.#subscribers.get(jobId) === set) this.#subscribers.delete(jobId);
      },
    };
    this.#listening ??= this.#listen();
    try {
      await this.#listening;
    } catch (err) {
      this.#listening = null;
      subscription.unsubscribe();
      throw err;
    }
    return subscription;
  }

  /** Ends every subscription and stops listening (the connection belongs to its owner). */
  async close(): Promise<void> {
    this.#closed = true;
    // onClose unsubscribes a started stream; one still waiting for LISTEN is dropped here.
    for (const set of [...this.#subscribers.values()]) for (const l of [...set]) l.onClose();
    this.#props.metrics?.sseStreams.dec(this.subscriberCount);
    this.#subscribers.clear();
    const listening = this.#listening;
    this.#listening = null;
    (await listening?.catch(() => undefined))?.();
  }

  async #listen(): Promise<() => void> {
    const { metrics, logger } = this.#props;
    const stop = await this.#props.listener.listen(EVENTS_CHANNEL, {
      onNotify: (payload) => this.#dispatch(payload),
      onLost: () => metrics?.eventListenerConnected.set(0),
      onReconnect: () => {
        metrics?.eventListenerConnected.set(1);
        metrics?.eventListenerReconnects.inc();
        logger.info({ subscribers: this.subscriberCount }, "job event stream resyncing after a reconnect");
        for (const set of this.#subscribers.values()) for (const l of [...set]) l.onResync();
      },
    });
    metrics?.eventListenerConnected.set(1);
    return stop;
  }

  #dispatch(payload: string | undefined): void {
    let parsed: { jobId?: unknown; id?: unknown };
    try {
      parsed = JSON.parse(payload ?? "");
    } catch {
      return;
    }
    const set = typeof parsed.jobId === "string" ? this.#subscribers.get(parsed.jobId) : undefined;
    if (!set || (typeof parsed.id !== "string" && typeof parsed.id !== "number")) return;
    const id = BigInt(parsed.id);
    for (const l of [...set]) l.onEvent(id);
  }
}
