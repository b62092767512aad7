import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { claimWebhookDeliveries } from "../src/db/sql/claim-webhook-deliveries.js";
import { recordWebhookAttempt } from "../src/db/sql/record-webhook-attempt.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { startTestDeliverer } from "./helpers/deliverer.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

// Interleavings of deliverers, driven step by step through the statements they run (row locks
// held in an open transaction, leases expired by UPDATE), never by sleeping.

let ctx: TestContext;
let t: TestApp;
let receiver: WebhookReceiver;
let endpointId = "";

beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: "true" });
  t = await createTestApp(ctx);
  receiver = await WebhookReceiver.start();
});
afterEach(async () => {
  await sql`DELETE FROM webhook_endpoints`.execute(ctx.db);
  receiver.requests.length = 0;
});
afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

const claim = (owner: string, maxAttempts = 3) =>
  claimWebhookDeliveries(ctx.db, { owner, limit: 10, leaseSeconds: 30, maxAttempts });
const expireLeases = () =>
  sql`UPDATE webhook_deliveries SET lease_expires_at = now() - interval '1 second' WHERE lease_owner IS NOT NULL`.execute(
    ctx.db,
  );
const result = (id: string, attempt: number, owner: string) => ({
  fence: { id, attempt, owner },
  ok: true,
  statusCode: 200,
  error: null,
  durationMs: 5,
  retryDelayMs: null,
  disableAfterSeconds: 3600,
});

/** One endpoint and `n` cancelled jobs: n pending deliveries. */
async function pendingDeliveries(n: number): Promise<string[]> {
  const res = await t.call("POST", "/v1/webhooks", { url: receiver.url });
  endpointId = ((await res.json()) as { id: string }).id;
  for (let i = 0; i < n; i++) {
    const up = await t.call("POST", "/v1/uploads", { filename: "a.txt", contentType: "text/plain", size: 5 });
    const { id } = (await up.json()) as { id: string };
    expect((await t.call("DELETE", `/v1/uploads/${id}`)).status).toBe(200);
  }
  const rows = await ctx.db.selectFrom("webhook_deliveries").select("id").orderBy("created_at").execute();
  expect(rows).toHaveLength(n);
  return rows.map((r) => r.id);
}

describe("webhook delivery races", () => {
  it("a claim skips a delivery another transaction holds, and a leased one, without waiting", async () => {
    const [id] = await pendingDeliveries(1);
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let locked!: () => void;
    const isLocked = new Promise<void>((r) => {
      locked = r;
    });
    const holder = ctx.db.transaction().execute(async (trx) => {
      await sql`SELECT id FROM webhook_deliveries WHERE id = ${id} FOR UPDATE`.execute(trx);
      locked();
      await released;
    });
    await isLocked;
    expect(await claim("b")).toEqual([]);
    release();
    await holder;
    const [claimed] = await claim("b");
    expect(claimed).toMatchObject({ id, attempt: 1, lease_owner: "b" });
    expect(await claim("c")).toEqual([]);
  });

  it("a deliverer whose lease ran out records nothing; the one that took over does", async () => {
    const [id] = await pendingDeliveries(1);
    const [a] = await claim("a");
    await expireLeases();
    const [b] = await claim("b");
    expect(b!.attempt).toBe(2);
    expect(await recordWebhookAttempt(ctx.db, result(id!, a!.attempt, "a"))).toBeNull();
    expect((await recordWebhookAttempt(ctx.db, result(id!, b!.attempt, "b")))?.delivery.status).toBe(
      "succeeded",
    );
    const attempts = await ctx.db.selectFrom("webhook_attempts").select("attempt").execute();
    expect(attempts.map((r) => r.attempt)).toEqual([2]);
  });

  it("a delivery whose deliverer died on the last attempt is failed by the next claim", async () => {
    const [id] = await pendingDeliveries(1);
    await claim("a", 1);
    await expireLeases();
    expect(await claim("b", 1)).toEqual([]);
    const row = await ctx.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("id", "=", id!)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ status: "failed", lease_owner: null, attempt: 1 });
  });

  it("redeliver answers 409 while an attempt is in flight, and deleting the endpoint fences the attempt out", async () => {
    const [id] = await pendingDeliveries(1);
    const [a] = await claim("a");
    const res = await t.call("POST", `/v1/webhooks/${endpointId}/deliveries/${id}/redeliver`);
    expect(res.status).toBe(409);
    expect(((await res.json()) as { code: string }).code).toBe("delivery_in_flight");
    expect((await t.call("DELETE", `/v1/webhooks/${endpointId}`)).status).toBe(204);
    expect(await recordWebhookAttempt(ctx.db, result(id!, a!.attempt, "a"))).toBeNull();
  });

  it("two deliverers draining 30 deliveries send each exactly once", async () => {
    const ids = await pendingDeliveries(30);
    const one = await startTestDeliverer(ctx, { concurrency: 3 });
    const two = await startTestDeliverer(ctx, { concurrency: 3 });
    try {
      await receiver.received(30);
    } finally {
      // stop() waits for attempts in flight, so every result is recorded afterwards.
      await one.stop();
      await two.stop();
    }
    const seen = new Set(receiver.requests.map((r) => r.headers["webhook-id"]));
    expect(seen.size).toBe(30);
    expect(ids).toHaveLength(30);
    const after = await ctx.db.selectFrom("webhook_deliveries").select(["status", "attempt"]).execute();
    expect(after.every((r) => r.status === "succeeded" && r.attempt === 1)).toBe(true);
    expect(receiver.requests).toHaveLength(30);
  });
});
