import pg from "pg";
import { QUEUE_CHANNEL } from "../jobs/job-events.js";
import type { Logger } from "../observability/logger.js";

/**
 * The worker's LISTEN connection on the queue channel. When Postgres restarts or the socket
 * breaks it reconnects with backoff (100 ms doubling to 5 s) and calls `onWake` once connected,
 * because NOTIFYs sent while it was away are gone and queued work may be waiting.
 */
export class QueueListener {
  private client: pg.Client | null = null;
  private closed = false;
  private retryMs = 100;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly props: {
      databaseUrl: string;
      logger: Logger;
      onNotify: (stage: string) => void;
      onWake: () => void;
    },
  ) {}

  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    const client = new pg.Client({ connectionString: this.props.databaseUrl });
    client.on("notification", (msg) => this.props.onNotify(msg.payload ?? ""));
    const lost = (err?: Error) => {
      if (this.client !== client || this.closed) return;
      this.client = null;
      this.props.logger.warn({ err }, "LISTEN connection lost; reconnecting (the poll covers the gap)");
      void client.end().catch(() => {});
      this.schedule();
    };
    client.on("error", lost);
    client.on("end", () => lost());
    this.client = client;
    await client.connect();
    await client.query(`LISTEN ${QUEUE_CHANNEL}`);
    this.retryMs = 100;
  }

  private schedule(): void {
    if (this.closed) return;
    this.timer = setTimeout(async () => {
      try {
        await this.connect();
        this.props.logger.info("LISTEN connection re-established");
        this.props.onWake();
      } catch {
        this.client = null;
        this.retryMs = Math.min(this.retryMs * 2, 5000);
        this.schedule();
      }
    }, this.retryMs);
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.timer);
    await this.client?.end().catch(() => {});
  }
}
