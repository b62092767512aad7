import { NotificationListener } from "../../src/db/notification-listener.js";
import { silentLogger } from "../../src/observability/logger.js";
import {
  type AttemptReport,
  type DeliverySettings,
  WebhookDeliverer,
  type WebhookDelivererProps,
} from "../../src/webhooks/deliverer.js";
import type { TestContext } from "./context.js";

/** Fast settings for tests: a 400 ms timeout, retries within 40 ms, three attempts. */
export const TEST_DELIVERY: DeliverySettings = {
  allowPrivateUrls: true,
  timeoutMs: 400,
  leaseSeconds: 5,
  maxAttempts: 3,
  retryBaseMs: 10,
  retryCapMs: 40,
  disableAfterSeconds: 3600,
  concurrency: 4,
};

export interface TestDeliverer {
  deliverer: WebhookDeliverer;
  /** Resolves with the first n attempt reports once n attempts have been made. */
  attempts(n: number): Promise<AttemptReport[]>;
  stop(): Promise<void>;
}

/** A WebhookDeliverer in this process, with its own LISTEN connection. */
export async function startTestDeliverer(
  ctx: TestContext,
  settings: Partial<DeliverySettings> = {},
  props: Partial<WebhookDelivererProps> = {},
): Promise<TestDeliverer> {
  const listener = new NotificationListener({ databaseUrl: ctx.databaseUrl, logger: silentLogger });
  const reports: AttemptReport[] = [];
  const waiters = new Set<{ n: number; resolve: () => void }>();
  const deliverer = new WebhookDeliverer({
    db: ctx.db,
    listener,
    logger: silentLogger,
    settings: { ...TEST_DELIVERY, ...settings },
    pollIntervalMs: 200,
    onAttempt: (r) => {
      reports.push(r);
      for (const w of [...waiters]) {
        if (reports.length < w.n) continue;
        waiters.delete(w);
        w.resolve();
      }
    },
    ...props,
  });
  await deliverer.start();
  return {
    deliverer,
    async attempts(n) {
      if (reports.length < n) await new Promise<void>((resolve) => waiters.add({ n, resolve }));
      return reports.slice(0, n);
    },
    async stop() {
      await deliverer.stop();
      await listener.close();
    },
  };
}
