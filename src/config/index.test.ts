import { describe, expect, it } from "vitest";
import { ConfigError, loadClientEnv, loadConfig } from "./index.js";

describe("loadConfig", () => {
  it("fills defaults from an empty environment", () => {
    const c = loadConfig({});
    expect(c).toMatchObject({
      port: 8080,
      databaseUrl: undefined,
      s3: { bucket: "intake", endpoint: undefined },
    });
    expect(c.uploads).toEqual({
      urlTtlSeconds: 900,
      maxBytes: 5 * 1024 ** 3,
      multipartThresholdBytes: 64 * 1024 ** 2,
      partSizeBytes: 16 * 1024 ** 2,
      maxPriority: 10,
    });
    expect(c.worker.tenantMaxRunningPerStage).toBeNull();
  });

  it("reads the fair-claiming limits", () => {
    const c = loadConfig({ INTAKE_TENANT_MAX_RUNNING_PER_STAGE: "4", INTAKE_MAX_PRIORITY: "3" });
    expect(c.worker.tenantMaxRunningPerStage).toBe(4);
    expect(c.uploads.maxPriority).toBe(3);
    expect(() => loadConfig({ INTAKE_TENANT_MAX_RUNNING_PER_STAGE: "0" })).toThrow(
      /INTAKE_TENANT_MAX_RUNNING_PER_STAGE/,
    );
  });

  it("reads the sandbox budget, refund cap, local ports and metrics port", () => {
    const c = loadConfig({
      INTAKE_PARSE_THREADS: "3",
      INTAKE_PARSE_MEMORY_MB: "128",
      INTAKE_PARSE_TIMEOUT_MS: "5000",
      INTAKE_PARSE_TIMEOUT_PER_MIB_MS: "100",
      INTAKE_MAX_RELEASES: "4",
      INTAKE_LOCAL_PG_PORT: "6000",
      INTAKE_LOCAL_S3_PORT: "6001",
      INTAKE_METRICS_PORT: "0",
      INTAKE_OCR_LANGUAGES: "eng+deu",
      INTAKE_OCR_MAX_PAGES: "50",
    });
    expect(c.parse).toEqual({
      threads: 3,
      memoryMb: 128,
      timeoutBaseMs: 5000,
      timeoutPerMiBMs: 100,
      ocr: { enabled: true, languages: ["eng", "deu"], perPageTimeoutMs: 30_000, maxPages: 50, dpi: 200 },
    });
    expect(loadConfig({ INTAKE_OCR: "off" }).parse.ocr.enabled).toBe(false);
    expect(c.worker.maxReleases).toBe(4);
    expect(c.local).toEqual({ pgPort: 6000, s3Port: 6001 });
    expect(c.metricsPort).toBe(0);
    expect(loadConfig({}).metricsPort).toBeUndefined();
  });

  it("reads the webhook settings, private URLs off by default", () => {
    expect(loadConfig({}).webhooks).toEqual({
      allowPrivateUrls: false,
      timeoutMs: 10_000,
      leaseSeconds: 30,
      maxAttempts: 8,
      retryBaseMs: 5000,
      retryCapMs: 3_600_000,
      disableAfterSeconds: 432_000,
      secretGraceSeconds: 86_400,
      concurrency: 8,
    });
    const c = loadConfig({ INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: "true", INTAKE_WEBHOOK_TIMEOUT_MS: "500" });
    expect(c.webhooks).toMatchObject({ allowPrivateUrls: true, timeoutMs: 500 });
  });

  it("reads the per-process cap on open event streams: 1000 by default, 0 unlimited", () => {
    expect(loadConfig({}).quotas.maxStreamsPerProcess).toBe(1000);
    expect(loadConfig({ INTAKE_MAX_STREAMS_PER_PROCESS: "0" }).quotas.maxStreamsPerProcess).toBe(0);
    expect(() => loadConfig({ INTAKE_MAX_STREAMS_PER_PROCESS: "-1" })).toThrow(
      /INTAKE_MAX_STREAMS_PER_PROCESS/,
    );
  });

  it("treats empty strings as unset", () => {
    expect(loadConfig({ PORT: "", DATABASE_URL: "" }).port).toBe(8080);
  });

  it.each([
    [{ PORT: "80a" }, 'PORT: must be a whole number (got "80a")'],
    [{ PORT: "70000" }, "PORT:"],
    [{ DATABASE_URL: "mysql://x" }, "DATABASE_URL: must be a postgres:// URL"],
    [{ S3_ENDPOINT: "ftp://x" }, "S3_ENDPOINT: must be an http(s) URL"],
    [{ S3_BUCKET: "Bad_Bucket" }, "S3_BUCKET: must be a valid S3 bucket name"],
    [{ S3_ENDPOINT: "http://127.0.0.1:9000" }, "S3_ACCESS_KEY_ID:"],
    [{ INTAKE_API_KEY: "short" }, "INTAKE_API_KEY: must be at least 16 characters"],
    [{ INTAKE_CHUNK_SIZE: "100", INTAKE_CHUNK_OVERLAP: "100" }, "INTAKE_CHUNK_OVERLAP: must be smaller"],
    [{ INTAKE_EMBEDDER: "openai" }, "INTAKE_OPENAI_BASE_URL: required"],
    [{ INTAKE_EMBEDDER: "magic" }, "INTAKE_EMBEDDER:"],
    [{ INTAKE_METRICS_PORT: "metrics" }, 'INTAKE_METRICS_PORT: must be a whole number (got "metrics")'],
    [{ INTAKE_LOCAL_PG_PORT: "0" }, "INTAKE_LOCAL_PG_PORT:"],
    [{ INTAKE_LOCAL_S3_PORT: "99999" }, "INTAKE_LOCAL_S3_PORT:"],
    [{ INTAKE_PARSE_MEMORY_MB: "8" }, "INTAKE_PARSE_MEMORY_MB:"],
    [{ INTAKE_PARSE_THREADS: "0" }, "INTAKE_PARSE_THREADS:"],
    [{ INTAKE_OCR_LANGUAGES: "eng;rm -rf" }, "INTAKE_OCR_LANGUAGES: must be Tesseract languages"],
    [{ INTAKE_OCR: "maybe" }, "INTAKE_OCR:"],
    [{ INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS: "yes" }, "INTAKE_WEBHOOK_ALLOW_PRIVATE_URLS:"],
    [{ INTAKE_WEBHOOK_TIMEOUT_MS: "30000" }, "INTAKE_WEBHOOK_LEASE_SECONDS: must be longer than"],
  ])("rejects %j with one line naming the variable", (env, message) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message.startsWith(message)).toBe(true);
    expect((error as Error).message).not.toContain("\n");
  });
});

describe("loadClientEnv", () => {
  it("uses INTAKE_URL, else localhost on PORT", () => {
    expect(loadClientEnv({ INTAKE_URL: "http://intake:1", INTAKE_API_KEY: "k" })).toEqual({
      url: "http://intake:1",
      apiKey: "k",
    });
    expect(loadClientEnv({ PORT: "9999" })).toEqual({ url: "http://localhost:9999", apiKey: undefined });
    expect(loadClientEnv({})).toEqual({ url: "http://localhost:8080", apiKey: undefined });
  });

  it("names a bad variable", () => {
    expect(() => loadClientEnv({ INTAKE_URL: "ftp://x" })).toThrow(/^INTAKE_URL: /);
    expect(() => loadClientEnv({ PORT: "http" })).toThrow(/^PORT: must be a whole number/);
  });
});
