import { randomBytes } from "node:crypto";
import os from "node:os";
import type { Db } from "../db/database.js";
import type { NotificationListener } from "../db/notification-listener.js";
import { type ClaimedDelivery, claimWebhookDeliveries } from "../db/sql/claim-webhook-deliveries.js";
import { recordWebhookAttempt } from "../db/sql/record-webhook-attempt.js";
import { WEBHOOKS_CHANNEL } from "../db/webhook-events.js";
import { backoffDelayMs } from "../jobs/backoff.js";
import type { Logger } from "../observability/logger.js";
import { webhookMessageId, webhookPayload } from "./payload.js";
import { signWebhook } from "./secret.js";
import { describeSendError, sendWebhook } from "./send-webhook.js";
import type { ResolveAll } from "./url-policy.js";

/** The deliverer's settings (see `Config.webhooks`). */
export interface DeliverySettings {
  allowPrivateUrls: boolean;
  timeoutMs: number;
  leaseSeconds: number;
  maxAttempts: number;
  retryBaseMs: number;
  retryCapMs: number;
  disableAfterSeconds: number;
  concurrency: number;
}

export interface WebhookDelivererProps {
  db: Db;
  /** The process's LISTEN connection; the deliverer listens on WEBHOOKS_CHANNEL. */
  listener: NotificationListener;
  logger: Logger;
  settings: DeliverySettings;
  owner?: string;
  /** Backstop poll for a missed NOTIFY or a lease that ran out (default 1000 ms). */
  pollIntervalMs?: number;
  /** Host name resolution for the SSRF check (tests pass their own). */
  resolve?: ResolveAll;
  /** Clock for webhook-timestamp, in ms. */
  now?: () => number;
  /** Called after each attempt is recorded (or found fenced out: `recorded` false). */
  onAttempt?: (attempt: AttemptReport) => void;
}

export interface AttemptReport {
  deliveryId: string;
  attempt: number;
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  recorded: boolean;
}

/**
 * Sends the outbox's deliveries: claims as many due deliveries as it has free slots (SKIP
 * LOCKED, leased), sends each signed, records the outcome fenced on the lease, and sleeps until
 * a commit NOTIFYs WEBHOOKS_CHANNEL, an attempt ends, a retry comes due, or the backstop poll.
 */
export class WebhookDeliverer {
  readonly owner: string;
  readonly #props: WebhookDelivererProps;
  readonly #log: Logger;
  readonly #inFlight = new Set<Promise<void>>();
  readonly #timers = new Set<NodeJS.Timeout>();
  #unlisten: () => void = () => {};
  #woken = false;
  #endSleep: () => void = () => {};
  #stopping = false;
  #loopDone: Promise<void> = Promise.resolve();

  constructor(props: WebhookDelivererProps) {
    this.#props = props;
    this.owner = props.owner ?? `${os.hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
    this.#log = props.logger.child({ deliverer: this.owner });
  }

  async start(): Promise<void> {
    this.#unlisten = await this.#props.listener.listen(WEBHOOKS_CHANNEL, {
      onNotify: () => this.wake(),
      onReconnect: () => this.wake(),
    });
    this.#loopDone = this.#loop();
  }

  wake(): void {
    this.#woken = true;
    this.#endSleep();
  }

  /** Stops claiming and waits for attempts in flight (each ends within the request timeout). */
  async stop(): Promise<void> {
    this.#stopping = true;
    this.#unlisten();
    for (const t of this.#timers) clearTimeout(t);
    this.wake();
    await this.#loopDone;
    await Promise.allSettled([...this.#inFlight]);
  }

  async #loop(): Promise<void> {
    const { settings } = this.#props;
    while (!this.#stopping) {
      this.#woken = false;
      const free = settings.concurrency - this.#inFlight.size;
      let claimed: ClaimedDelivery[] = [];
      if (free > 0) {
        try {
          claimed = await claimWebhookDeliveries(this.#props.db, {
            owner: this.owner,
            limit: free,
            leaseSeconds: settings.leaseSeconds,
            maxAttempts: settings.maxAttempts,
          });
        } catch (err) {
          this.#log.warn({ err }, "claiming webhook deliveries failed");
        }
      }
      for (const delivery of claimed) {
        const p = this.#attempt(delivery).finally(() => {
          this.#inFlight.delete(p);
          this.wake();
        });
        this.#inFlight.add(p);
      }
      // A full batch may mean more are due: claim again at once.
      if (claimed.length > 0 && claimed.length === free) continue;
      if (!this.#woken && !this.#stopping) await this.#sleep(this.#props.pollIntervalMs ?? 1000);
    }
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#endSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** One attempt of one delivery; never throws (a failure to record is logged, the lease expires). */
  async #attempt(d: ClaimedDelivery): Promise<void> {
    const { settings } = this.#props;
    const id = webhookMessageId(d.id);
    const body = webhookPayload(d);
    const timestamp = Math.floor((this.#props.now?.() ?? Date.now()) / 1000);
    const secrets = d.previous_secret ? [d.secret, d.previous_secret] : [d.secret];
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      ({ statusCode } = await sendWebhook({
        url: d.url,
        body,
        headers: {
          "content-type": "application/json",
          "user-agent": "intake-webhooks/0.1",
          "webhook-id": id,
          "webhook-timestamp": String(timestamp),
          "webhook-signature": signWebhook(secrets, id, timestamp, body),
        },
        timeoutMs: settings.timeoutMs,
        allowPrivate: settings.allowPrivateUrls,
        resolve: this.#props.resolve,
      }));
      if (statusCode < 200 || statusCode > 299) error = `HTTP ${statusCode}`;
    } catch (err) {
      error = describeSendError(err);
    }
    const ok = error === null;
    const round = d.attempt - d.round_start;
    const retryDelayMs =
      ok || round >= settings.maxAttempts
        ? null
        : backoffDelayMs(round, { baseMs: settings.retryBaseMs, capMs: settings.retryCapMs });
    const fields = { deliveryId: d.id, endpointId: d.endpoint_id, tenant: d.tenant_id, jobId: d.job_id };
    try {
      const recorded = await recordWebhookAttempt(this.#props.db, {
        fence: { id: d.id, attempt: d.attempt, owner: this.owner },
        ok,
        statusCode,
        error,
        durationMs: performance.now() - started,
        retryDelayMs,
        disableAfterSeconds: settings.disableAfterSeconds,
      });
      this.#props.onAttempt?.({
        deliveryId: d.id,
        attempt: d.attempt,
        ok,
        statusCode,
        error,
        recorded: !!recorded,
      });
      if (!recorded) {
        this.#log.warn({ ...fields, attempt: d.attempt }, "webhook delivery lease lost; result not recorded");
        return;
      }
      if (!ok) {
        this.#log.info({ ...fields, attempt: d.attempt, error, retryDelayMs }, "webhook attempt failed");
      }
      if (recorded.endpointDisabled) {
        this.#log.warn({ ...fields, url: d.url }, "webhook endpoint disabled: it kept failing");
      }
      if (retryDelayMs !== null && !this.#stopping) {
        const timer = setTimeout(() => {
          this.#timers.delete(timer);
          this.wake();
        }, retryDelayMs);
        this.#timers.add(timer);
      }
    } catch (err) {
      this.#log.error({ ...fields, err }, "recording a webhook attempt failed; its lease will expire");
    }
  }
}
