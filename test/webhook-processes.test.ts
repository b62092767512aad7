import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { type IntakeProcess, startWorkerProcess } from "./helpers/process-intake.js";
import { verifyStandardWebhook, WebhookReceiver } from "./helpers/webhook-receiver.js";

// The deliverer runs in `intake worker` processes. A worker SIGKILLed while its attempt is in
// flight loses nothing: the delivery's lease runs out and another worker sends it again, with
// the same webhook-id.

let ctx: TestContext;
let t: TestApp;
let receiver: WebhookReceiver;
const procs: IntakeProcess[] = [];
const env = () => ({
  ...ctx.env,
  INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: "true",
  INTAKE_WEBHOOK_TIMEOUT_MS: "1500",
  INTAKE_WEBHOOK_LEASE_SECONDS: "2",
  LOG_LEVEL: "info",
});

beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: "true" });
  t = await createTestApp(ctx);
  receiver = await WebhookReceiver.start();
});
afterAll(async () => {
  for (const p of procs) await p.kill("SIGKILL");
  await receiver.close();
  await ctx.close();
});

describe("webhooks in worker processes", () => {
  it("a delivery survives a SIGKILL of the worker sending it", async () => {
    const created = await t.call("POST", "/v1/webhooks", { url: receiver.url });
    expect(created.status).toBe(201);
    const { id: endpointId, secret } = (await created.json()) as { id: string; secret: string };
    receiver.answer("hang");
    const a = await startWorkerProcess("a", env(), { stages: "parse" });
    procs.push(a);

    const up = await t.call("POST", "/v1/uploads", { filename: "a.txt", contentType: "text/plain", size: 5 });
    const { id: jobId } = (await up.json()) as { id: string };
    expect((await t.call("DELETE", `/v1/uploads/${jobId}`)).status).toBe(200);

    const first = await receiver.received(1);
    await a.kill("SIGKILL");
    const b = await startWorkerProcess("b", env(), { stages: "parse" });
    procs.push(b);
    const second = await receiver.received(2);

    expect(second.headers["webhook-id"]).toBe(first.headers["webhook-id"]);
    expect(second.body).toBe(first.body);
    expect(verifyStandardWebhook(secret, second.headers, second.body)).toBe(true);
    expect(JSON.parse(second.body).data.job).toMatchObject({ id: jobId, status: "cancelled" });
    await b.kill("SIGTERM");
    const delivery = await ctx.db
      .selectFrom("webhook_deliveries")
      .selectAll()
      .where("endpoint_id", "=", endpointId)
      .executeTakeFirstOrThrow();
    // Attempt 1 died with its process (no attempt row); attempt 2 succeeded.
    expect(delivery).toMatchObject({ status: "succeeded", attempt: 2, lease_owner: null });
    const attempts = await ctx.db.selectFrom("webhook_attempts").select(["attempt", "status_code"]).execute();
    expect(attempts).toEqual([{ attempt: 2, status_code: 200 }]);
    expect(receiver.requests).toHaveLength(2);
  }, 60_000);
});
