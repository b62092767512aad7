import { createHash } from "node:crypto";
import { createApp } from "../../src/api/app.js";
import type { AppDeps } from "../../src/api/deps.js";
import { storeApiKey } from "../../src/auth/api-keys.js";
import { silentLogger } from "../../src/observability/logger.js";
import { Metrics } from "../../src/observability/metrics.js";
import { API_KEY } from "./constants.js";
import type { TestContext } from "./context.js";

export const OTHER_TENANT_KEY = "test-api-key-of-tenant-other";

export interface TestApp {
  deps: AppDeps;
  app: ReturnType<typeof createApp>;
  /** Calls the app in-process (real Request/Response, no server). */
  call(
    method: string,
    path: string,
    body?: unknown,
    opts?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<Response>;
}

export async function createTestApp(ctx: TestContext): Promise<TestApp> {
  await storeApiKey(ctx.db, "default", API_KEY);
  await storeApiKey(ctx.db, "other", OTHER_TENANT_KEY);
  const deps: AppDeps = {
    config: ctx.config,
    db: ctx.db,
    store: ctx.store,
    logger: silentLogger,
    metrics: new Metrics(),
  };
  const app = createApp(deps);
  return {
    deps,
    app,
    async call(method, path, body, opts = {}) {
      const headers: Record<string, string> = { ...opts.headers };
      const key = opts.key === undefined ? API_KEY : opts.key;
      if (key) headers.authorization = `Bearer ${key}`;
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === "string" ? body : JSON.stringify(body);
        headers["content-type"] ??= "application/json";
      }
      return app.request(path, { method, headers, body: payload });
    },
  };
}

export const sha256Hex = (data: Uint8Array<ArrayBuffer> | string) =>
  createHash("sha256").update(data).digest("hex");

/** Sends a body to a PUT instruction exactly as a well-behaved client would. */
export function putToUrl(
  upload: { url: string; headers: Record<string, string> },
  body: Uint8Array<ArrayBuffer> | string,
) {
  const { "content-length": _ignored, ...headers } = upload.headers;
  return fetch(upload.url, { method: "PUT", headers, body });
}

export function postToUrl(
  upload: { url: string; fields: Record<string, string> },
  body: Uint8Array<ArrayBuffer> | string,
) {
  const form = new FormData();
  for (const [k, v] of Object.entries(upload.fields)) form.append(k, v);
  form.append("file", new Blob([body]), "file");
  return fetch(upload.url, { method: "POST", body: form });
}
