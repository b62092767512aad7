import pg from "pg";
import type { Logger } from "../observability/logger.js";

/** How the LISTEN connection shows in pg_stat_activity (tests terminate it by this name). */
export const LISTENER_APPLICATION_NAME = "intake_listener";

/** What one channel's subscriber hears. */
export interface ChannelHandler {
  onNotify(payload: string): void;
  /**
   * The connection was re-established: NOTIFYs sent while it was down are gone (Postgres does
   * not queue them for a listener that left), so re-read whatever might have been missed.
   */
  onReconnect(): void;
  /** The connection was lost; a reconnect follows. */
  onLost?(): void;
}

export interface NotificationListenerProps {
  databaseUrl: string;
  logger: Logger;
  /** First reconnect delay; doubles up to `maxReconnectDelayMs`. */
  reconnectDelayMs?: number;
  maxReconnectDelayMs?: number;
}

/**
 * One Postgres connection per process that LISTENs on every channel its subscribers name (the
 * workers' queue channel, the API's job-event channel). It opens on the first `listen` and
 * reconnects by itself with backoff; after a reconnect it LISTENs again and tells every
 * handler, since notifications sent meanwhile are lost.
 *
 * `listen` resolves once LISTEN is active, so a caller that listens first and reads the table
 * afterwards misses nothing: a commit either precedes the read (and is in it) or follows the
 * LISTEN (and is notified).
 */
export class NotificationListener {
  readonly #props: NotificationListenerProps;
  readonly #handlers = new Map<string, Set<ChannelHandler>>();
  #client: pg.Client | null = null;
  #backendPid: number | undefined;
  #connecting: Promise<void> | null = null;
  #connections = 0;
  #closed = false;
  #retryDelay: number;
  #cancelDelay: () => void = () => {};

  constructor(props: NotificationListenerProps) {
    this.#props = props;
    this.#retryDelay = props.reconnectDelayMs ?? 100;
  }

  get connected(): boolean {
    return this.#client !== null;
  }

  /**
   * The Postgres backend serving this connection, while connected. It ends when this process
   * dies, which is how other workers tell that this one is gone (see the workers table).
   */
  get backendPid(): number | undefined {
    return this.#backendPid;
  }

  /** Adds `handler` to `channel`; resolves when LISTEN on it is active. Returns the way out. */
  async listen(channel: string, handler: ChannelHandler): Promise<() => void> {
    if (this.#closed) throw new Error("the notification listener is closed");
    if (!/^[a-z_][a-z0-9_]*$/.test(channel)) throw new Error(`not a channel name: ${channel}`);
    const set = this.#handlers.get(channel) ?? new Set<ChannelHandler>();
    const fresh = set.size === 0;
    this.#handlers.set(channel, set);
    set.add(handler);
    const remove = () => {
      set.delete(handler);
    };
    try {
      this.#connecting ??= this.#connect();
      await this.#connecting;
      // A channel added to a live connection (the connect LISTENed only the channels it knew).
      if (fresh && this.#client) await this.#client.query(`LISTEN ${channel}`);
    } catch (err) {
      remove();
      throw err;
    }
    return remove;
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#cancelDelay();
    const client = this.#client;
    this.#client = null;
    await client?.end().catch(() => {});
  }

  /** Connects and LISTENs, retrying with backoff until it works or the listener closes. */
  async #connect(): Promise<void> {
    for (;;) {
      if (this.#closed) throw new Error("the notification listener is closed");
      const client = new pg.Client({
        connectionString: this.#props.databaseUrl,
        application_name: LISTENER_APPLICATION_NAME,
      });
      client.on("notification", (msg) => {
        for (const h of [...(this.#handlers.get(msg.channel) ?? [])]) h.onNotify(msg.payload ?? "");
      });
      client.on("error", (err) => this.#lost(client, err));
      client.on("end", () => this.#lost(client));
      try {
        await client.connect();
        for (const channel of this.#handlers.keys()) await client.query(`LISTEN ${channel}`);
        const { rows } = await client.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
        this.#backendPid = rows[0]?.pid;
      } catch (err) {
        client.removeAllListeners("end");
        client.end().catch(() => {});
        this.#props.logger.warn({ err }, "LISTEN failed; retrying");
        await this.#delay();
        continue;
      }
      if (this.#closed) {
        client.end().catch(() => {});
        throw new Error("the notification listener is closed");
      }
      this.#client = client;
      this.#retryDelay = this.#props.reconnectDelayMs ?? 100;
      if (this.#connections++ > 0) {
        this.#props.logger.info("LISTEN connection re-established");
        for (const set of this.#handlers.values()) for (const h of [...set]) h.onReconnect();
      }
      return;
    }
  }

  #lost(client: pg.Client, err?: Error): void {
    if (this.#client !== client) return;
    this.#client = null;
    client.end().catch(() => {});
    if (this.#closed) return;
    this.#props.logger.warn({ err }, "LISTEN connection lost; reconnecting");
    for (const set of this.#handlers.values()) for (const h of [...set]) h.onLost?.();
    // Listeners that arrive meanwhile wait for this promise, like the first ones did.
    this.#connecting = this.#delay().then(() => this.#connect());
    this.#connecting.catch(() => {});
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
}
