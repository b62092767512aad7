import { mkdtemp, readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { companionRoutes } from "../src/api/routes/companion.js";
import { signUploadToken, uploadTokenSecret, verifyUploadToken } from "../src/auth/upload-token.js";
import { loadConfig } from "../src/config/index.js";
import { silentLogger } from "../src/observability/logger.js";
import { loadLocalState } from "../src/runtime/local-state.js";
import { startLocalMinio } from "../src/storage/local-minio.js";
import { createTestApp, type TestApp } from "./helpers/app.js";
import { API_KEY } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { freePort } from "./helpers/free-port.js";

// Issue 15, secrets: none in argv, none echoed by config errors, the upload token signed with
// its own secret, and its cookie Secure unless the request is plain http on localhost.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx?.close());

describe("config errors never echo a secret", () => {
  it.each([
    ["INTAKE_WEBHOOK_TOKEN", "hunter2-short"],
    ["S3_SECRET_ACCESS_KEY", "hunter2"],
    ["INTAKE_UPLOAD_TOKEN_SECRET", "hunter2-too-short"],
    ["DATABASE_URL", "mysql://admin:hunter2@db.internal/intake"],
  ])("%s", (name, value) => {
    expect(() => loadConfig({ [name]: value })).toThrow(name);
    try {
      loadConfig({ [name]: value });
    } catch (err) {
      expect((err as Error).message).not.toContain("hunter2");
    }
  });

  it("still shows a value that is not secret", () => {
    expect(() => loadConfig({ PORT: "80a" })).toThrow('"80a"');
  });
});

describe("upload tokens have their own secret", () => {
  it("a token signed with one INTAKE_UPLOAD_TOKEN_SECRET does not verify under another with the same S3 secret", () => {
    const base = { S3_SECRET_ACCESS_KEY: "same-s3-secret", INTAKE_WEBHOOK_TOKEN: "same-webhook-token-123" };
    const a = uploadTokenSecret(
      loadConfig({ ...base, INTAKE_UPLOAD_TOKEN_SECRET: "a".repeat(32) }),
      silentLogger,
    );
    const b = uploadTokenSecret(
      loadConfig({ ...base, INTAKE_UPLOAD_TOKEN_SECRET: "b".repeat(32) }),
      silentLogger,
    );
    const derived = uploadTokenSecret(loadConfig(base), silentLogger);
    const token = signUploadToken(a, "default", "key-1", Math.floor(Date.now() / 1000) + 60);
    expect(verifyUploadToken(a, token)).toMatchObject({ tenant: "default" });
    expect(verifyUploadToken(b, token)).toBeNull();
    expect(verifyUploadToken(derived, token)).toBeNull();
  });

  it("the all-in-one generates one and keeps it in local-state.json", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "intake-state-"));
    const state = await loadLocalState(dir);
    expect(state.uploadTokenSecret).toMatch(/^[\w-]{40,}$/);
    expect((await loadLocalState(dir)).uploadTokenSecret).toBe(state.uploadTokenSecret);
  });
});

describe("the upload-token cookie", () => {
  let plain: TestApp;
  let proxied: TestApp;
  beforeAll(async () => {
    plain = await createTestApp(ctx);
    plain.app.route("/s3", companionRoutes(plain.deps));
    proxied = await createTestApp({ ...ctx, config: { ...ctx.config, trustForwardedProto: true } });
    proxied.app.route("/s3", companionRoutes(proxied.deps));
  });
  const cookie = async (t: TestApp, url: string, headers: Record<string, string> = {}) => {
    const res = await t.app.request(url, {
      method: "POST",
      headers: { authorization: `Bearer ${API_KEY}`, ...headers },
    });
    expect(res.status).toBe(200);
    return res.headers.get("set-cookie") ?? "";
  };

  it("is Secure except over plain http to localhost", async () => {
    expect(await cookie(plain, "http://localhost:3000/s3/token")).not.toMatch(/Secure/i);
    expect(await cookie(plain, "http://127.0.0.1:3000/s3/token")).not.toMatch(/Secure/i);
    expect(await cookie(plain, "http://intake.internal:3000/s3/token")).toMatch(/; Secure/i);
    expect(await cookie(plain, "https://intake.example.com/s3/token")).toMatch(/; Secure/i);
  });

  it("X-Forwarded-Proto counts only when trusted", async () => {
    const https = { "x-forwarded-proto": "https" };
    expect(await cookie(plain, "http://localhost:3000/s3/token", https)).not.toMatch(/Secure/i);
    expect(await cookie(proxied, "http://localhost:3000/s3/token", https)).toMatch(/; Secure/i);
  });
});

describe("no secret in argv", () => {
  it("the local MinIO gets its credentials and webhook token through the environment", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "intake-minio-argv-"));
    const secret = "argv-secret-0123456789";
    const token = "argv-webhook-token-0123456789";
    const minio = await startLocalMinio({
      port: await freePort(),
      dataDir: dir,
      accessKeyId: "argvuser",
      secretAccessKey: secret,
      webhook: { url: "http://127.0.0.1:9/v1/storage-events", token },
    });
    try {
      const argv = [...minio.process.spawnargs];
      const cmdline = await readFile(`/proc/${minio.process.pid}/cmdline`, "utf8").catch(() => "");
      for (const s of [secret, token]) {
        expect(argv.join(" ")).not.toContain(s);
        expect(cmdline).not.toContain(s);
      }
    } finally {
      await minio.stop();
    }
  });
});
