import net, { type AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { insertWebhookEndpoint } from "../src/db/sql/insert-webhook-endpoint.js";
import { sendWebhook } from "../src/webhooks/send-webhook.js";
import { checkWebhookUrl, type ResolveAll } from "../src/webhooks/url-policy.js";
import { WebhookError } from "../src/webhooks/webhook-error.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { startTestDeliverer, type TestDeliverer } from "./helpers/deliverer.js";
import { WebhookReceiver } from "./helpers/webhook-receiver.js";

// The SSRF guard at delivery time, after DNS: a host that resolves to a private address is
// refused before any connection is made. A TCP server counts connections to prove it.

let ctx: TestContext;
let t: TestApp;
let port = 0;
let connections = 0;
const sockets = new Set<net.Socket>();
const server = net.createServer((s) => {
  connections++;
  sockets.add(s);
});
let deliverer: TestDeliverer | undefined;

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  port = (server.address() as AddressInfo).port;
  // No INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: the guard is on.
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterEach(async () => {
  await deliverer?.stop();
  deliverer = undefined;
  connections = 0;
});
afterAll(async () => {
  for (const s of sockets) s.destroy();
  server.close();
  await ctx.close();
});

const resolvesTo =
  (...addresses: string[]): ResolveAll =>
  async () =>
    addresses.map((address) => ({ address, family: net.isIP(address) }));

/** An endpoint stored as if its host had resolved to a public address when it was created. */
async function endpointFor(url: string) {
  return insertWebhookEndpoint(ctx.db, {
    tenantId: "default",
    url,
    description: null,
    events: null,
    secret: "whsec_AAAA",
  });
}

async function cancelledJob() {
  const res = await t.call("POST", "/v1/uploads", { filename: "a.txt", contentType: "text/plain", size: 5 });
  const { id } = (await res.json()) as { id: string };
  expect((await t.call("DELETE", `/v1/uploads/${id}`)).status).toBe(200);
}

describe("SSRF guard at delivery", () => {
  it.each([
    ["a host resolving to 127.0.0.1", `https://hooks.example.test:PORT/h`, resolvesTo("127.0.0.1")],
    [
      "a host resolving to ::ffff:127.0.0.1",
      `https://hooks.example.test:PORT/h`,
      resolvesTo("::ffff:127.0.0.1"),
    ],
    [
      "a host with one public and one private address",
      `https://hooks.example.test:PORT/h`,
      resolvesTo("93.184.215.14", "10.0.0.5"),
    ],
    ["an IP literal (Node skips the lookup)", `https://127.0.0.1:PORT/h`, resolvesTo()],
    ["localhost through the system resolver", `https://localhost:PORT/h`, undefined],
    ["http without the flag", `http://hooks.example.test:PORT/h`, resolvesTo("93.184.215.14")],
  ])("refuses %s without connecting", async (_name, url, resolve) => {
    await ctx.db.deleteFrom("webhook_endpoints").execute();
    await endpointFor(url.replace("PORT", String(port)));
    deliverer = await startTestDeliverer(ctx, { allowPrivateUrls: false, maxAttempts: 1 }, { resolve });
    await cancelledJob();
    const [report] = await deliverer.attempts(1);
    expect(report!.ok).toBe(false);
    expect(report!.error).toMatch(/^(webhook_url_forbidden|invalid_webhook_url): /);
    expect(connections).toBe(0);
    const row = await ctx.db.selectFrom("webhook_deliveries").selectAll().executeTakeFirstOrThrow();
    expect(row.status).toBe("failed");
  });

  it("a DNS rebind after the create-time check is refused at connect time", async () => {
    let calls = 0;
    const rebinding: ResolveAll = async () => [
      { address: calls++ === 0 ? "93.184.215.14" : "127.0.0.1", family: 4 },
    ];
    const url = `https://rebind.example.test:${port}/h`;
    await expect(checkWebhookUrl(url, { allowPrivate: false, resolve: rebinding })).resolves.toBeInstanceOf(
      URL,
    );
    const sent = sendWebhook({
      url,
      headers: {},
      body: "{}",
      timeoutMs: 2000,
      allowPrivate: false,
      resolve: rebinding,
    });
    await expect(sent).rejects.toBeInstanceOf(WebhookError);
    await expect(sent).rejects.toMatchObject({ code: "webhook_url_forbidden" });
    expect(calls).toBe(2);
    expect(connections).toBe(0);
  });

  it("follows no redirect: a 3xx is a failed attempt and its Location is never called", async () => {
    const target = await WebhookReceiver.start();
    const redirecting = await WebhookReceiver.start();
    try {
      // 307 keeps the method and body: the redirect a follower would most likely take.
      redirecting.answer({ status: 307, headers: { location: target.url } });
      const { statusCode: sent } = await sendWebhook({
        url: redirecting.url,
        headers: {},
        body: "{}",
        timeoutMs: 2000,
        allowPrivate: true,
      });
      expect(sent).toBe(307);
      expect(redirecting.requests).toHaveLength(1);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
      await redirecting.close();
    }
  });
});
