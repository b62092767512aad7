import pg from "pg";
import type { Logger } from "../observability/logger.js";
import type { Metrics } from "../observability/metrics.js";
import { EVENTS_CHANNEL } from "./job-events.js";

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

/** How the LISTEN connection shows in pg_stat_activity (tests terminate it by this name). */
export const LISTENER_APPLICATION_NAME = "intake_event_hub";

export interface Subscription {
  unsubscribe(): void;
}

export interface JobEventHubProps {
  databaseUrl: string;
  logger: Logger;
  metrics?: Metrics;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * One Postgres LISTEN connection per API process on `intake_job_events`, fanned out in
 * process to the SSE streams of each job. The connection opens on the first subscription
 * (a process that never streams holds none) and reconnects by itself with backoff; after
 * a reconnect every subscriber is told to resync, since NOTIFYs are not queued for a
 * listener that is gone.
 *
 * `subscribe` resolves once LISTEN is active, so a caller that subscribes first and reads
 * the table afterwards misses nothing: a commit either precedes the read (and is in it) or
 * follows the LISTEN (and is notified).
 */
export class JobEventHub {
  readonly #props: JobEventHubProps;
  readonly #subscribers = new Map<string, Set<JobEventListener>>();
  #client: pg.Client | null = null;
  #listening: Promise<void> | null = null;
  #connections = 0;
  #closed = false;
  #retryDelay: number;
  #cancelDelay: () => void = () => {};

  constructor(props: JobEventHubProps) {
    this.#props = props;
    this.#retryDelay = props.reconnectDelayMs ?? 100;
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
      subscription.unsubscribe();
      throw err;
    }
    return subscription;
  }

  /** Ends every subscription and the LISTEN connection. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelDelay();
    // onClose unsubscribes a started stream; one still waiting for LISTEN is dropped here.
    for (const set of [...this.#subscribers.values()]) for (const l of [...set]) l.onClose();
    this.#props.metrics?.sseStreams.dec(this.subscriberCount);
    this.#subscribers.clear();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  /**
   * Connects and LISTENs, retrying with backoff until it works or the hub closes, so streams
   * opened during a database restart wait for it rather than fail.
   */
  async #listen(): Promise<void> {
    for (;;) {
      if (this.#closed) throw new Error("the job event hub is closed");
      const client = new pg.Client({
        connectionString: this.#props.databaseUrl,
        application_name: LISTENER_APPLICATION_NAME,
      });
      client.on("notification", (msg) => this.#dispatch(msg.payload));
      client.on("error", (err) => this.#lost(client, err));
      client.on("end", () => this.#lost(client));
      try {
        await client.connect();
        await client.query(`LISTEN ${EVENTS_CHANNEL}`);
      } catch (err) {
        client.removeAllListeners("end");
        client.end().catch(() => {});
        this.#props.logger.warn({ err }, "job event LISTEN failed; retrying");
        await this.#delay();
        continue;
      }
      this.#adopt(client);
      return;
    }
  }

  /** Makes `client` the live connection; after a reconnect, tells every subscriber to catch up. */
  #adopt(client: pg.Client): void {
    if (this.#closed) {
      client.end().catch(() => {});
      throw new Error("the job event hub is closed");
    }
    this.#client = client;
    this.#retryDelay = this.#props.reconnectDelayMs ?? 100;
    this.#props.metrics?.eventListenerConnected.set(1);
    if (this.#connections++ === 0) return;
    this.#props.metrics?.eventListenerReconnects.inc();
    this.#props.logger.info({ subscribers: this.subscriberCount }, "job event LISTEN re-established");
    for (const set of this.#subscribers.values()) for (const l of [...set]) l.onResync();
  }

  #lost(client: pg.Client, err?: Error): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.end().catch(() => {});
    if (this.#closed) return;
    this.#props.logger.warn({ err }, "job event LISTEN connection lost; reconnecting");
    this.#props.metrics?.eventListenerConnected.set(0);
    // Subscribers that arrive meanwhile wait for this promise, like the first ones did.
    this.#listening = this.#delay().then(() => this.#listen());
    this.#listening.catch(() => {});
  }

  /** Waits the current backoff (doubling it for next time); `close` cuts it short. */
  #delay(): Promise<void> {
    const ms = this.#retryDelay;
    this.#retryDelay = Math.min(ms * 2, this.#props.maxReconnectDelayMs ?? 5000);
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#cancelDelay = () => {
        clearTimeout(timer);
        resolve();
      };
    });
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
