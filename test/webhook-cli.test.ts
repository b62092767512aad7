import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  getWebhook,
  listWebhookDeliveries,
  rotateWebhookSecret,
  updateWebhook,
} from "../src/client/index.js";
import { createTestApp } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
let server: RunningServer;
beforeAll(async () => {
  ctx = await createTestContext({ INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: "true" });
  server = await listenOnFreePort((await createTestApp(ctx)).app);
});
afterAll(async () => {
  await server?.close();
  await ctx?.close();
});

/** Runs the real `intake` binary. */
function intake(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bin/intake",
      args,
      { env: { ...process.env, INTAKE_URL: server.url, INTAKE_API_KEY: API_KEY }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("intake webhooks add / list / remove, and the SDK", () => {
  it("adds (printing the secret once), lists, and removes an endpoint", async () => {
    const add = await intake([
      "webhooks",
      "add",
      "http://127.0.0.1:9/hook",
      "--events",
      "job.completed,job.failed",
    ]);
    expect(add.stderr).toBe("");
    expect(add.code).toBe(0);
    const [line, secretLine] = add.stdout.trim().split("\n");
    const id = line!.split("  ")[0]!;
    expect(line).toBe(`${id}  http://127.0.0.1:9/hook  job.completed,job.failed`);
    expect(secretLine).toMatch(/^secret \(shown once; verify signatures with it\): whsec_\S+$/);

    const list = await intake(["webhooks", "list"]);
    expect(list.stdout.trim()).toBe(`${id}  http://127.0.0.1:9/hook  job.completed,job.failed  enabled`);

    const client = { url: server.url, apiKey: API_KEY };
    expect((await updateWebhook(client, id, { events: null })).allEvents).toBe(true);
    expect((await rotateWebhookSecret(client, id)).secret).toMatch(/^whsec_/);
    expect((await getWebhook(client, id)).url).toBe("http://127.0.0.1:9/hook");
    expect(await listWebhookDeliveries(client, id)).toEqual({ deliveries: [], nextCursor: null });

    const bad = await intake(["webhooks", "add", "ftp://example.com/"]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^intake webhooks add: invalid_webhook_url: url: must be http or https/);
    expect((await intake(["webhooks", "add", "https://x.test", "--events", "job.nope"])).code).not.toBe(0);

    const remove = await intake(["webhooks", "remove", id]);
    expect(remove).toMatchObject({ code: 0, stdout: `removed ${id}\n` });
    expect((await intake(["webhooks", "list"])).stdout).toBe("");
    const again = await intake(["webhooks", "remove", id]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/not_found/);
  });
});
