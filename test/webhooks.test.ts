import { sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { verifyWebhook } from "../src/client/index.js";
import { appendJobEvent } from "../src/db/sql/append-job-event.js";
import type { DeliverySettings } from "../src/webhooks/deliverer.js";
import { createTestApp, OTHER_TENANT_KEY, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { startTestDeliverer } from "./helpers/deliverer.js";
import { waitForJobs } from "./helpers/jobs.js";
import { uploadFile } from "./helpers/upload.js";
import { verifyStandardWebhook, WebhookReceiver } from "./helpers/webhook-receiver.js";
import { startTestWorker } from "./helpers/worker.js";

let ctx: TestContext;
let t: TestApp;
let receiver: WebhookReceiver;
const stops: (() => Promise<void>)[] = [];

beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: "true" });
  t = await createTestApp(ctx);
  receiver = await WebhookReceiver.start();
});
afterEach(async () => {
  for (const stop of stops.splice(0)) await stop();
  await sql`DELETE FROM webhook_endpoints`.execute(ctx.db);
  receiver.requests.length = 0;
});
afterAll(async () => {
  await receiver.close();
  await ctx.close();
});

async function startDeliverer(settings: Partial<DeliverySettings> = {}) {
  const d = await startTestDeliverer(ctx, settings);
  stops.push(d.stop);
  return d;
}

async function addEndpoint(body: Record<string, unknown> = {}, key?: string) {
  const res = await t.call("POST", "/v1/webhooks", { url: receiver.url, ...body }, { key });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; url: string; events: string[]; secret: string };
}

/** Creates an upload and cancels it: one `cancelled` job event (job.cancelled). */
async function cancelledJob(key?: string): Promise<string> {
  const res = await t.call(
    "POST",
    "/v1/uploads",
    { filename: "a.txt", contentType: "text/plain", size: 5 },
    { key },
  );
  const { id } = (await res.json()) as { id: string };
  expect((await t.call("DELETE", `/v1/uploads/${id}`, undefined, { key })).status).toBe(200);
  return id;
}

const deliveriesOf = async (endpointId: string) => {
  const res = await t.call("GET", `/v1/webhooks/${endpointId}/deliveries`);
  expect(res.status).toBe(200);
  return ((await res.json()) as { deliveries: any[] }).deliveries;
};

describe("webhook endpoints API", () => {
  it("creates with a whsec_ secret shown once, lists, patches, rotates and deletes, per tenant", async () => {
    const created = await addEndpoint({ events: ["job.completed", "job.failed"], description: "ci" });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(created.secret.slice(6), "base64").length).toBeGreaterThanOrEqual(24);
    expect(created.events).toEqual(["job.completed", "job.failed"]);

    const list = (await (await t.call("GET", "/v1/webhooks")).json()) as { webhooks: any[] };
    expect(list.webhooks.map((w) => w.id)).toEqual([created.id]);
    expect(list.webhooks[0].secret).toBeUndefined();
    expect(
      (await t.call("GET", `/v1/webhooks/${created.id}`, undefined, { key: OTHER_TENANT_KEY })).status,
    ).toBe(404);

    const patched = await t.call("PATCH", `/v1/webhooks/${created.id}`, { events: null, description: null });
    expect(patched.status).toBe(200);
    expect(await patched.json()).toMatchObject({ allEvents: true, description: null, enabled: true });

    const rotated = (await (await t.call("POST", `/v1/webhooks/${created.id}/rotate-secret`)).json()) as any;
    expect(rotated.secret).toMatch(/^whsec_/);
    expect(rotated.secret).not.toBe(created.secret);

    expect((await t.call("POST", "/v1/webhooks", { url: receiver.url, events: ["job.nope"] })).status).toBe(
      400,
    );
    expect(
      (await t.call("DELETE", `/v1/webhooks/${created.id}`, undefined, { key: OTHER_TENANT_KEY })).status,
    ).toBe(404);
    expect((await t.call("DELETE", `/v1/webhooks/${created.id}`)).status).toBe(204);
    expect((await t.call("GET", `/v1/webhooks/${created.id}`)).status).toBe(404);
    expect((await t.call("GET", "/v1/webhooks", undefined, { key: null })).status).toBe(401);
  });

  it("refuses private, loopback, link-local, metadata and http URLs without the flag (422)", async () => {
    const strict = createApp({
      ...t.deps,
      config: { ...ctx.config, webhooks: { ...ctx.config.webhooks, allowPrivateUrls: false } },
    });
    const create = async (url: string) => {
      const res = await strict.request("/v1/webhooks", {
        method: "POST",
        headers: {
          authorization: "Bearer test-api-key-of-tenant-default",
          "content-type": "application/json",
        },
        body: JSON.stringify({ url }),
      });
      const body = (await res.json()) as { code: string };
      return `${res.status} ${body.code}`;
    };
    expect(await create("http://example.com/hook")).toBe("422 invalid_webhook_url");
    expect(await create("ftp://example.com/hook")).toBe("422 invalid_webhook_url");
    for (const url of [
      "https://127.0.0.1/hook",
      "https://localhost/hook",
      "https://10.1.2.3/",
      "https://100.64.0.1/",
      "https://169.254.169.254/latest/meta-data",
      "https://[::1]/",
      "https://[::ffff:192.168.1.1]/",
      "https://[fd00:ec2::254]/",
      "https://[fe80::1]/",
      "https://0.0.0.0/",
      "https://224.0.0.1/",
    ]) {
      expect(await create(url), url).toBe("422 webhook_url_forbidden");
    }
    const patch = await strict.request(`/v1/webhooks/${(await addEndpoint()).id}`, {
      method: "PATCH",
      headers: { authorization: "Bearer test-api-key-of-tenant-default", "content-type": "application/json" },
      body: JSON.stringify({ url: "https://192.168.0.10/" }),
    });
    expect(patch.status).toBe(422);
  });
});

describe("webhook delivery", () => {
  it("signs per Standard Webhooks; data.job is exactly GET /v1/jobs/{id}", async () => {
    const { secret, id: endpointId } = await addEndpoint();
    const d = await startDeliverer();
    const jobId = await cancelledJob();
    const committed = performance.now();
    const got = await receiver.received(1);
    const latencyMs = got.at - committed;

    expect(verifyStandardWebhook(secret, got.headers, got.body)).toBe(true);
    expect(verifyStandardWebhook(secret, got.headers, got.body.replace("cancelled", "completed"))).toBe(
      false,
    );
    // The SDK's verifier (Web Crypto) agrees.
    expect(await verifyWebhook(secret, got.headers, got.body)).toBe(true);
    expect(await verifyWebhook(secret, got.headers, `${got.body} `)).toBe(false);
    expect(got.headers["webhook-id"]).toMatch(/^msg_[0-9a-f]{32}$/);
    expect(Math.abs(Number(got.headers["webhook-timestamp"]) - Date.now() / 1000)).toBeLessThan(5);
    expect(got.headers["content-type"]).toBe("application/json");
    const payload = JSON.parse(got.body);
    expect(Object.keys(payload).sort()).toEqual(["data", "timestamp", "type"]);
    expect(payload.type).toBe("job.cancelled");
    expect(new Date(payload.timestamp).toISOString()).toBe(payload.timestamp);
    const job = await (await t.call("GET", `/v1/jobs/${jobId}`)).json();
    expect(payload.data.job).toEqual(job);

    const [attempt] = await d.attempts(1);
    expect(attempt).toMatchObject({ ok: true, statusCode: 200, recorded: true });
    const [delivery] = await deliveriesOf(endpointId);
    expect(delivery).toMatchObject({
      status: "succeeded",
      type: "job.cancelled",
      jobId,
      webhookId: got.headers["webhook-id"],
    });
    expect(delivery.attempts.map((a: any) => a.statusCode)).toEqual([200]);
    // Commit to receiver through NOTIFY, in-process deliverer (see the README for numbers).
    expect(latencyMs).toBeLessThan(2000);
  });

  it("job.completed from the pipeline carries the job with its output counts", async () => {
    const { secret } = await addEndpoint({ events: ["job.completed"] });
    await startDeliverer();
    const { worker } = await startTestWorker(ctx);
    stops.push(() => worker.stop());
    const jobId = await uploadFile(
      t,
      "notes.md",
      "text/markdown",
      `# Notes\n\n${"words and more words ".repeat(50)}`,
    );
    const got = await receiver.received(1);
    expect(verifyStandardWebhook(secret, got.headers, got.body)).toBe(true);
    const payload = JSON.parse(got.body);
    expect(payload.type).toBe("job.completed");
    await waitForJobs(ctx.db, ctx.databaseUrl, [jobId]);
    const job = await (await t.call("GET", `/v1/jobs/${jobId}`)).json();
    expect(payload.data.job).toEqual(job);
    expect(payload.data.job.outputs.chunks).toBeGreaterThan(0);
  });

  it("500 then 200: retried with the same webhook-id, attempts listed with status codes", async () => {
    const { id: endpointId, secret } = await addEndpoint();
    receiver.answer(500, 200);
    const d = await startDeliverer();
    await cancelledJob();
    const [first, second] = [await receiver.received(1), await receiver.received(2)];
    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(second.body).toBe(first.body);
    expect(verifyStandardWebhook(secret, second.headers, second.body)).toBe(true);
    await d.attempts(2);
    const [delivery] = await deliveriesOf(endpointId);
    expect(delivery.status).toBe("succeeded");
    expect(delivery.attempts.map((a: any) => [a.attempt, a.statusCode])).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(delivery.attempts[0].error).toBe("HTTP 500");
  });

  it("a receiver that hangs is timed out and retried; after max attempts the delivery fails", async () => {
    const { id: endpointId } = await addEndpoint();
    receiver.answer("hang", "hang", "hang");
    const d = await startDeliverer({ timeoutMs: 300, maxAttempts: 3 });
    await cancelledJob();
    const reports = await d.attempts(3);
    expect(reports.map((r) => r.error?.split(":")[0])).toEqual(["timeout", "timeout", "timeout"]);
    const [delivery] = await deliveriesOf(endpointId);
    expect(delivery.status).toBe("failed");
    expect(delivery.attempts).toHaveLength(3);
    for (const a of delivery.attempts) {
      expect(a.statusCode).toBeNull();
      expect(a.durationMs).toBeGreaterThanOrEqual(290);
      expect(a.durationMs).toBeLessThan(2000);
    }

    // Redeliver: the same message (webhook-id), a new round of attempts.
    const res = await t.call("POST", `/v1/webhooks/${endpointId}/deliveries/${delivery.id}/redeliver`);
    expect(res.status).toBe(202);
    const again = await receiver.received(4);
    expect(again.headers["webhook-id"]).toBe(delivery.webhookId);
    await d.attempts(4);
    const [redelivered] = await deliveriesOf(endpointId);
    expect(redelivered.status).toBe("succeeded");
    expect(redelivered.attempts.map((a: any) => a.attempt)).toEqual([1, 2, 3, 4]);
  });

  it("an endpoint that keeps failing past the configured time is disabled, visible in GET, and re-enabled by PATCH", async () => {
    const { id: endpointId } = await addEndpoint();
    receiver.answer(503);
    const d = await startDeliverer({ disableAfterSeconds: 0, maxAttempts: 1 });
    const jobId = await cancelledJob();
    await d.attempts(1);
    const endpoint = (await (await t.call("GET", `/v1/webhooks/${endpointId}`)).json()) as any;
    expect(endpoint).toMatchObject({ enabled: false, disabledReason: expect.stringContaining("failed") });
    expect(endpoint.disabledAt).not.toBeNull();
    // A disabled endpoint gets no new deliveries.
    await cancelledJob();
    const rows = await ctx.db.selectFrom("webhook_deliveries").select("job_id").execute();
    expect(rows.map((r) => r.job_id)).toEqual([jobId]);
    const enabled = await t.call("PATCH", `/v1/webhooks/${endpointId}`, { enabled: true });
    expect(await enabled.json()).toMatchObject({ enabled: true, disabledAt: null, failingSince: null });
  });

  it("sends only the event types an endpoint subscribed to; no events means all", async () => {
    const completedOnly = await addEndpoint({ events: ["job.completed"] });
    const all = await addEndpoint();
    const cancelledOnly = await addEndpoint({ events: ["job.cancelled"] });
    await addEndpoint({}, OTHER_TENANT_KEY);
    const jobId = await cancelledJob();
    const rows = await ctx.db
      .selectFrom("webhook_deliveries")
      .select(["endpoint_id", "type", "job_id"])
      .orderBy("endpoint_id")
      .execute();
    expect(rows.map((r) => r.endpoint_id).sort()).toEqual([all.id, cancelledOnly.id].sort());
    expect(rows.every((r) => r.type === "job.cancelled" && r.job_id === jobId)).toBe(true);
    expect(rows.find((r) => r.endpoint_id === completedOnly.id)).toBeUndefined();
  });

  it("a rolled-back transition writes no delivery; the next committed one is delivered", async () => {
    await addEndpoint();
    const res = await t.call("POST", "/v1/uploads", {
      filename: "b.txt",
      contentType: "text/plain",
      size: 5,
    });
    const { id } = (await res.json()) as { id: string };
    await expect(
      ctx.db.transaction().execute(async (trx) => {
        await trx.updateTable("jobs").set({ status: "cancelled" }).where("id", "=", id).execute();
        await appendJobEvent(trx, { jobId: id, tenantId: "default", type: "cancelled" });
        const inside = await trx.selectFrom("webhook_deliveries").select("id").execute();
        expect(inside).toHaveLength(1);
        throw new Error("roll back");
      }),
    ).rejects.toThrow("roll back");
    expect(await ctx.db.selectFrom("webhook_deliveries").select("id").execute()).toEqual([]);
    const d = await startDeliverer();
    const committedJob = await cancelledJob();
    const got = await receiver.received(1);
    expect(JSON.parse(got.body).data.job.id).toBe(committedJob);
    await d.attempts(1);
    expect(receiver.requests).toHaveLength(1);
  });

  it("during a secret rotation both secrets sign, and each verifies", async () => {
    const { id, secret: oldSecret } = await addEndpoint();
    const rotated = (await (await t.call("POST", `/v1/webhooks/${id}/rotate-secret`)).json()) as {
      secret: string;
    };
    await startDeliverer();
    await cancelledJob();
    const got = await receiver.received(1);
    const signatures = String(got.headers["webhook-signature"]).split(" ");
    expect(signatures).toHaveLength(2);
    expect(signatures.every((s) => s.startsWith("v1,"))).toBe(true);
    expect(verifyStandardWebhook(rotated.secret, got.headers, got.body)).toBe(true);
    expect(verifyStandardWebhook(oldSecret, got.headers, got.body)).toBe(true);
    for (const s of signatures) {
      const one = { ...got.headers, "webhook-signature": s };
      expect([oldSecret, rotated.secret].filter((k) => verifyStandardWebhook(k, one, got.body))).toHaveLength(
        1,
      );
    }
    // Past the grace period only the new secret signs.
    await sql`UPDATE webhook_endpoints SET previous_secret_expires_at = now() WHERE id = ${id}`.execute(
      ctx.db,
    );
    await cancelledJob();
    const next = await receiver.received(2);
    expect(String(next.headers["webhook-signature"]).split(" ")).toHaveLength(1);
    expect(verifyStandardWebhook(rotated.secret, next.headers, next.body)).toBe(true);
    expect(verifyStandardWebhook(oldSecret, next.headers, next.body)).toBe(false);
  });
});
