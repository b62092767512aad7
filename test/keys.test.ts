import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../src/api/app.js";
import { createKey, listKeys, revokeKey } from "../src/client/index.js";
import { createTestApp, OTHER_TENANT_KEY, type TestApp } from "./helpers/app.js";
import { listenOnFreePort, type RunningServer } from "./helpers/client-server.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
let a: TestApp;
/** A second API instance on the same database: its own app, config object and token secret cache. */
let b: TestApp;
let server: RunningServer;
beforeAll(async () => {
  ctx = await createTestContext();
  a = await createTestApp(ctx);
  const deps = { ...a.deps, config: { ...ctx.config }, eventStream: { heartbeatMs: 100 } };
  const app = createApp(deps);
  b = { ...a, deps, app, call: (m, p, body, opts) => callOn(app, m, p, body, opts) };
  server = await listenOnFreePort(a.app);
});
afterAll(async () => {
  await server?.close();
  await ctx?.close();
});

async function callOn(
  app: ReturnType<typeof createApp>,
  method: string,
  path: string,
  body?: unknown,
  opts: { key?: string | null; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { ...opts.headers };
  const key = opts.key === undefined ? API_KEY : opts.key;
  if (key) headers.authorization = `Bearer ${key}`;
  if (body !== undefined) headers["content-type"] = "application/json";
  return app.request(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
}

async function newKey(label = "test") {
  const res = await a.call("POST", "/v1/keys", { label });
  expect(res.status).toBe(201);
  return (await res.json()) as { id: string; key: string; prefix: string };
}

describe("/v1/keys", () => {
  it("creates a key shown once, lists it without the key, and the key works", async () => {
    const created = await newKey("ci");
    expect(created.key).toMatch(/^ik_/);
    expect(created.prefix).toBe(created.key.slice(0, 6));
    const listed = (await (await a.call("GET", "/v1/keys")).json()) as { keys: Record<string, unknown>[] };
    const row = listed.keys.find((k) => k.id === created.id)!;
    expect(row).toMatchObject({ prefix: created.prefix, label: "ci", lastUsedAt: null, revokedAt: null });
    expect(typeof row.createdAt).toBe("string");
    expect(JSON.stringify(listed)).not.toContain(created.key);
    expect(JSON.stringify(listed)).not.toMatch(/hash/i);
    expect((await a.call("GET", "/v1/jobs", undefined, { key: created.key })).status).toBe(200);
    const after = (await (await a.call("GET", "/v1/keys")).json()) as {
      keys: { id: string; lastUsedAt: string }[];
    };
    expect(after.keys.find((k) => k.id === created.id)!.lastUsedAt).not.toBeNull();
  });

  it("accepts no body, and refuses a bad one", async () => {
    const res = await a.call("POST", "/v1/keys");
    expect(res.status).toBe(201);
    expect(((await res.json()) as { label: unknown }).label).toBeNull();
    expect((await a.call("POST", "/v1/keys", { label: 5 })).status).toBe(400);
    expect((await a.call("POST", "/v1/keys", "{", { headers: {} })).status).toBe(400);
  });

  it("writes last use at most once a minute per key", async () => {
    const { id, key } = await newKey();
    const lastUsed = async () =>
      (
        await ctx.db
          .selectFrom("api_keys")
          .select("last_used_at")
          .where("id", "=", id)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    await a.call("GET", "/v1/keys", undefined, { key });
    const first = await lastUsed();
    expect(first).not.toBeNull();
    for (let i = 0; i < 5; i++) await b.call("GET", "/v1/keys", undefined, { key });
    expect(await lastUsed()).toEqual(first);
    await sql`UPDATE api_keys SET last_used_at = now() - interval '2 minutes' WHERE id = ${id}`.execute(
      ctx.db,
    );
    await a.call("GET", "/v1/keys", undefined, { key });
    expect((await lastUsed())!.getTime()).toBeGreaterThanOrEqual(first!.getTime());
  });

  it("is tenant-scoped: another tenant neither sees nor revokes a key", async () => {
    const { id, key } = await newKey("mine");
    const theirs = (await (await a.call("GET", "/v1/keys", undefined, { key: OTHER_TENANT_KEY })).json()) as {
      keys: { id: string }[];
    };
    expect(theirs.keys.map((k) => k.id)).not.toContain(id);
    const del = await a.call("DELETE", `/v1/keys/${id}`, undefined, { key: OTHER_TENANT_KEY });
    expect(del.status).toBe(404);
    expect((await a.call("GET", "/v1/jobs", undefined, { key })).status).toBe(200);
    expect((await a.call("DELETE", `/v1/keys/${randomUUID()}`)).status).toBe(404);
    expect((await a.call("DELETE", "/v1/keys/not-a-uuid")).status).toBe(404);
  });

  it("a revoke on one instance answers 401 on another at once, and stays listed as revoked", async () => {
    const { id, key } = await newKey("leaked");
    expect((await b.call("GET", "/v1/jobs", undefined, { key })).status).toBe(200);
    expect((await a.call("DELETE", `/v1/keys/${id}`)).status).toBe(204);
    const denied = await b.call("GET", "/v1/jobs", undefined, { key });
    expect(denied.status).toBe(401);
    expect(denied.headers.get("content-type")).toContain("application/problem+json");
    expect((await b.call("GET", "/v1/keys", undefined, { key })).status).toBe(401);
    expect((await a.call("DELETE", `/v1/keys/${id}`)).status).toBe(204);
    const listed = (await (await a.call("GET", "/v1/keys")).json()) as {
      keys: { id: string; revokedAt: string }[];
    };
    expect(listed.keys.find((k) => k.id === id)!.revokedAt).not.toBeNull();
  });

  it("upload tokens and SSE access tokens minted with a key stop working when it is revoked", async () => {
    const { id, key } = await newKey("browser");
    const minted = await a.call("POST", "/s3/token", undefined, { key });
    expect(minted.status).toBe(200);
    const { token } = (await minted.json()) as { token: string };
    const cookie = minted.headers.get("set-cookie")!.split(";")[0]!;
    // A job of the tenant, for the event stream to find.
    const up = await a.call(
      "POST",
      "/v1/uploads",
      { filename: "a.txt", contentType: "text/plain", size: 3 },
      { key },
    );
    expect(up.status).toBe(201);
    const jobId = ((await up.json()) as { id: string }).id;
    const events = (app: TestApp) =>
      app.call("GET", `/v1/jobs/${jobId}/events?access_token=${encodeURIComponent(token)}`, undefined, {
        key: null,
        headers: { accept: "application/json" },
      });
    // An unknown upload answers 404 to an authenticated caller and 401 to anyone else.
    const companion = (app: TestApp, headers: Record<string, string>) =>
      app.call("GET", "/s3/multipart/nope?key=x", undefined, { key: null, headers });

    for (const app of [a, b]) {
      expect((await events(app)).status).toBe(200);
      expect((await companion(app, { authorization: `Bearer ${token}` })).status).toBe(404);
      expect((await companion(app, { cookie })).status).toBe(404);
    }
    // A token is no API key: it authenticates the Companion routes and the event stream only.
    expect((await a.call("GET", "/v1/jobs", undefined, { key: token })).status).toBe(401);

    expect((await a.call("DELETE", `/v1/keys/${id}`)).status).toBe(204);
    for (const app of [a, b]) {
      expect((await events(app)).status).toBe(401);
      expect((await companion(app, { authorization: `Bearer ${token}` })).status).toBe(401);
      expect((await companion(app, { cookie })).status).toBe(401);
    }
    // The tenant's other keys, and tokens minted with them, are untouched.
    const other = (await (await a.call("POST", "/s3/token")).json()) as { token: string };
    expect((await companion(b, { authorization: `Bearer ${other.token}` })).status).toBe(404);
  });

  it("an event stream opened with a key ends when the key is revoked", async () => {
    const { id, key } = await newKey("stream");
    const up = await a.call(
      "POST",
      "/v1/uploads",
      { filename: "s.txt", contentType: "text/plain", size: 3 },
      { key },
    );
    const jobId = ((await up.json()) as { id: string }).id;
    const res = await b.call("GET", `/v1/jobs/${jobId}/events?access_token=${key}`, undefined, { key: null });
    expect(res.status).toBe(200);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let seen = "";
    while (!seen.includes('"type":"created"')) seen += decoder.decode((await reader.read()).value);
    expect((await a.call("DELETE", `/v1/keys/${id}`)).status).toBe(204);
    // The next heartbeat (100 ms here) finds the key revoked and ends the stream.
    const ended = (async () => {
      for (;;) if ((await reader.read()).done) return true;
    })();
    await expect(Promise.race([ended, new Promise((r) => setTimeout(() => r(false), 5000))])).resolves.toBe(
      true,
    );
    const again = await b.call("GET", `/v1/jobs/${jobId}/events?access_token=${key}`, undefined, {
      key: null,
    });
    expect(again.status).toBe(401);
  });

  it("a tampered token, or one naming another tenant than its key's, is refused", async () => {
    const { token } = (await (await a.call("POST", "/s3/token")).json()) as { token: string };
    const [prefix, payload, mac] = token.split(".");
    const claims = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const forged = Buffer.from(JSON.stringify({ ...claims, t: "other" })).toString("base64url");
    const res = await a.call("GET", "/s3/multipart/nope?key=x", undefined, {
      key: null,
      headers: { authorization: `Bearer ${prefix}.${forged}.${mac}` },
    });
    expect(res.status).toBe(401);
  });

  it("the SDK lists, creates and revokes", async () => {
    const client = { url: server.url, apiKey: API_KEY };
    const created = await createKey(client, { label: "sdk" });
    expect((await listKeys(client)).some((k) => k.id === created.id && k.label === "sdk")).toBe(true);
    await revokeKey(client, created.id);
    expect((await listKeys(client)).find((k) => k.id === created.id)!.revokedAt).not.toBeNull();
    await expect(listKeys({ url: server.url, apiKey: created.key })).rejects.toMatchObject({ status: 401 });
  });
});

/** Runs the real `intake` binary against the test database. */
function intake(args: string[]) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(
      "bin/intake",
      args,
      { env: { ...process.env, ...ctx.env }, timeout: 60_000 },
      (err, stdout, stderr) => resolve({ code: err ? Number(err.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("intake keys create / list / revoke", () => {
  it("creates a key that the API accepts, lists it, revokes it, and the API refuses it", async () => {
    const created = await intake(["keys", "create", "--tenant", "cli-tenant", "--label", "from the cli"]);
    expect(created.stderr).toBe("");
    expect(created.code).toBe(0);
    const key = created.stdout.trim();
    expect(key).toMatch(/^ik_/);
    expect((await a.call("GET", "/v1/jobs", undefined, { key })).status).toBe(200);

    const listed = await intake(["keys", "list", "--tenant", "cli-tenant", "--json"]);
    expect(listed.code).toBe(0);
    const rows = JSON.parse(listed.stdout) as {
      id: string;
      prefix: string;
      label: string;
      lastUsedAt: string;
    }[];
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ prefix: key.slice(0, 6), label: "from the cli" });
    expect(rows[0]!.lastUsedAt).not.toBeNull();
    const text = await intake(["keys", "list", "--tenant", "cli-tenant"]);
    expect(text.stdout).toContain(`${rows[0]!.id}  ${key.slice(0, 6)}…  from the cli  created `);
    expect(text.stdout).not.toContain(key);

    const revoked = await intake(["keys", "revoke", rows[0]!.id, "--tenant", "cli-tenant"]);
    expect(revoked).toMatchObject({ code: 0, stdout: `revoked ${rows[0]!.id}\n` });
    expect((await a.call("GET", "/v1/jobs", undefined, { key })).status).toBe(401);

    const wrongTenant = await intake(["keys", "revoke", rows[0]!.id, "--tenant", "default"]);
    expect(wrongTenant.code).toBe(1);
    expect(wrongTenant.stderr).toContain("has no key");
  }, 180_000); // five runs of the CLI, each a cold tsx start
});
