import { randomUUID } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDocx, buildDocxBomb } from "../src/pipeline/testing/build-docx.js";
import { buildPdf } from "../src/pipeline/testing/build-pdf.js";
import { createTestApp, OTHER_TENANT_KEY, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";
import { waitForJobs } from "./helpers/jobs.js";
import { type IntakeProcess, peakRssMb, startWorkerProcess } from "./helpers/process-intake.js";
import { uploadFile } from "./helpers/upload.js";

const MiB = 1024 * 1024;
let ctx: TestContext;
let t: TestApp;
let worker: IntakeProcess;
beforeAll(async () => {
  ctx = await createTestContext({
    // The 100 MB line is one PUT, and big chunks keep its chunk count (not its memory) small.
    INTAKE_MULTIPART_THRESHOLD_BYTES: String(256 * MiB),
    INTAKE_CHUNK_SIZE: "20000",
    INTAKE_CHUNK_OVERLAP: "100",
    INTAKE_RETRY_BASE_MS: "10",
  });
  t = await createTestApp(ctx);
  // A real worker process, so its memory is its own (VmHWM) and a crash would show as an exit.
  worker = await startWorkerProcess("worker", { ...ctx.env, LOG_LEVEL: "info" }, { concurrency: 2 });
});
afterAll(async () => {
  await worker?.kill("SIGTERM");
  await ctx.close();
});

const json = async (res: Response) => {
  expect(res.headers.get("content-type")).toContain("application/problem+json");
  return (await res.json()) as { code: string; status: number; field?: string };
};

describe("bad files end as failed jobs with a clear code, and the worker goes on", () => {
  const docx = buildDocx([{ style: "Heading1", text: "Title" }, { text: "Body text. ".repeat(200) }]);
  const pdf = buildPdf(["Page one text.", "Page two text."]);
  it.each([
    [
      "encrypted PDF",
      "locked.pdf",
      "application/pdf",
      buildPdf(["secret"], { encrypted: true }),
      "encrypted_file",
    ],
    [
      "truncated PDF",
      "half.pdf",
      "application/pdf",
      pdf.slice(0, Math.floor(pdf.length / 2)),
      "corrupt_file",
    ],
    [
      "truncated DOCX",
      "half.docx",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      docx.slice(0, Math.floor(docx.length / 2)),
      "corrupt_file",
    ],
    [
      "zip bomb (300 MB inflated)",
      "bomb.docx",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      buildDocxBomb(300 * MiB),
      "decompression_limit",
    ],
    [
      "zip bomb lying about its size",
      "liar.docx",
      "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
      buildDocxBomb(300 * MiB, { declaredSize: 1000 }),
      "decompression_limit",
    ],
    [
      "binary declared as Markdown",
      "elf.md",
      "text/markdown",
      Uint8Array.from([
        0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0x3e, 0, 1, 0, 0, 0,
      ]),
      "unsupported_type",
    ],
  ])("%s → failed %s", async (_name, filename, type, body, code) => {
    const id = await uploadFile(t, filename, type, new Uint8Array(body));
    const [job] = await waitForJobs(ctx.db, ctx.databaseUrl, [id], undefined, 30_000);
    expect(job).toMatchObject({
      status: "failed",
      error_code: code,
      error_stage: "parse",
      error_retryable: false,
    });
    expect(job!.attempt).toBe(1);
    const api = (await (await t.call("GET", `/v1/jobs/${id}`)).json()) as { error: { code: string } };
    expect(api.error.code).toBe(code);
  });

  it("a 0-byte file, Latin-1 text and damaged UTF-8 complete without crashing", async () => {
    const empty = await uploadFile(t, "empty.txt", "text/plain", new Uint8Array(0));
    const invalid = await uploadFile(
      t,
      "latin1.txt",
      "text/plain",
      Uint8Array.from([...Buffer.from("caf"), 0xe9, 0x20, 0xff, 0xfe, ...Buffer.from(" ok ".repeat(50))]),
    );
    const damaged = await uploadFile(
      t,
      "damaged.txt",
      "text/plain",
      Uint8Array.from([...Buffer.from("naïve café ".repeat(20)), 0xff, ...Buffer.from(" ok ".repeat(50))]),
    );
    const jobs = await waitForJobs(ctx.db, ctx.databaseUrl, [empty, invalid, damaged], undefined, 30_000);
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const emptyJob = byId.get(empty)!;
    // An empty file is a document with no text: it completes with no chunks.
    expect(emptyJob.status).toBe("completed");
    const emptyChunks = await ctx.db.selectFrom("chunks").select("id").where("job_id", "=", empty).execute();
    expect(emptyChunks).toHaveLength(0);
    expect(byId.get(invalid)!.status).toBe("completed");
    const chunks = await ctx.db.selectFrom("chunks").select("text").where("job_id", "=", invalid).execute();
    const text = chunks.map((c) => c.text).join("");
    // Not UTF-8 at all: read as Windows-1252, the encoding such files almost always are.
    expect(text).toContain("café ÿþ ok");
    // UTF-8 with one bad byte stays UTF-8; the bad byte becomes U+FFFD.
    expect(byId.get(damaged)!.status).toBe("completed");
    const damagedText = (
      await ctx.db.selectFrom("chunks").select("text").where("job_id", "=", damaged).execute()
    )
      .map((c) => c.text)
      .join("");
    expect(damagedText).toContain("naïve café");
    expect(damagedText).toContain("\uFFFD ok");
  });

  it("keeps the worker under 256 MB through every bad file above", () => {
    const peak = peakRssMb(worker.pid);
    expect(peak).not.toBeNull();
    expect(peak!).toBeLessThan(256);
    expect(worker.child.exitCode).toBeNull();
  });
});

describe("a 100 MB single line", () => {
  it("is parsed and chunked by a fresh worker process whose peak RSS stays under 256 MB", async () => {
    const own = await createTestContext({
      // One PUT, and big chunks keep the chunk count (not the memory) small.
      INTAKE_MULTIPART_THRESHOLD_BYTES: String(256 * MiB),
      INTAKE_CHUNK_SIZE: "20000",
      INTAKE_CHUNK_OVERLAP: "100",
    });
    const ownApp = await createTestApp(own);
    const fresh = await startWorkerProcess(
      "line-worker",
      { ...own.env, LOG_LEVEL: "info" },
      { concurrency: 1 },
    );
    try {
      const idle = peakRssMb(fresh.pid)!;
      const line = new Uint8Array(100 * MiB).fill(0x61);
      for (let i = 0; i < line.length; i += 997) line[i] = 0x20;
      const id = await uploadFile(ownApp, "one-line.txt", "text/plain", line, { sha256: false });
      const [job] = await waitForJobs(own.db, own.databaseUrl, [id], undefined, 110_000);
      expect(job!.status).toBe("completed");
      const peak = peakRssMb(fresh.pid);
      expect(peak).not.toBeNull();
      // The file is 100 MB: a worker that held it (or its text) whole would pass 256 MB.
      expect(peak!, `peak RSS of the worker (idle: ${Math.round(idle)} MB)`).toBeLessThan(256);
    } finally {
      await fresh.kill("SIGTERM");
      await own.close();
    }
  }, 120_000);
});

describe("bad requests get problem+json with a code, and never a 5xx", () => {
  it("keeps the server chosen object key whatever the filename says", async () => {
    const res = await t.call("POST", "/v1/uploads", {
      filename: "../../../etc/passwd",
      contentType: "text/plain",
      size: 3,
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { id: string; filename: string; upload: { url: string } };
    const key = decodeURIComponent(new URL(body.upload.url).pathname);
    expect(key).not.toContain("..");
    expect(key).not.toContain("etc/passwd");
    expect(key).toContain(body.id);
  });

  it("answers a 20 MB body with 413 body_too_large and stays up", async () => {
    const huge = JSON.stringify({ filename: "x".repeat(20 * MiB), contentType: "text/plain", size: 1 });
    const res = await t.call("POST", "/v1/uploads", huge);
    expect(res.status).toBe(413);
    expect((await json(res)).code).toBe("body_too_large");
    expect((await t.call("GET", "/healthz")).status).toBe(200);
  });

  it.each([
    ["null body", "null"],
    ["string body", '"a string"'],
    ["number filename", { filename: 5, contentType: "text/plain", size: 1 }],
    ["null contentType", { filename: "a", contentType: null, size: 1 }],
    ["boolean size", { filename: "a", contentType: "text/plain", size: true }],
    ["unsafe integer size", { filename: "a", contentType: "text/plain", size: 2 ** 53 + 2 }],
    ["1e308 size", '{"filename":"a","contentType":"text/plain","size":1e308}'],
    ["array metadata", { filename: "a", contentType: "text/plain", size: 1, metadata: [1] }],
    ["GET method", { filename: "a", contentType: "text/plain", size: 1, method: "GET" }],
    ["numeric idempotencyKey", { filename: "a", contentType: "text/plain", size: 1, idempotencyKey: 5 }],
    ["deeply nested JSON", `${"[".repeat(5000)}${"]".repeat(5000)}`],
  ])("%s → 4xx problem", async (_name, body) => {
    const res = await t.call("POST", "/v1/uploads", body);
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    expect((await json(res)).code).toMatch(/^(invalid_body|malformed_json|file_too_large)$/);
  });

  it("answers unknown ids, other tenants' ids and a missing job's event stream with 404 not_found", async () => {
    const created = (await (
      await t.call("POST", "/v1/uploads", { filename: "mine.txt", contentType: "text/plain", size: 1 })
    ).json()) as { id: string };
    const unknown = randomUUID();
    const cases: [string, string, string | null][] = [
      ["GET", `/v1/jobs/${unknown}`, null],
      ["POST", `/v1/uploads/${unknown}/complete`, null],
      ["POST", `/v1/jobs/${unknown}/cancel`, null],
      ["GET", `/v1/uploads/${unknown}/parts`, null],
      ["GET", `/v1/jobs/${unknown}/events`, null],
      ["GET", `/v1/jobs/${created.id}/events`, OTHER_TENANT_KEY],
      ["POST", `/v1/jobs/${created.id}/cancel`, OTHER_TENANT_KEY],
      ["GET", `/v1/uploads/${created.id}/parts`, OTHER_TENANT_KEY],
    ];
    for (const [method, path, key] of cases) {
      const res = await t.call(method, path, undefined, key ? { key } : {});
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
      expect((await json(res)).code).toBe("not_found");
    }
  });

  it("answers bad keys with 401 unauthorized on every route", async () => {
    for (const authorization of [
      "Bearer ",
      "Bearer x",
      `Bearer ${"k".repeat(10_240)}`,
      "Bearer clé",
      "bearer",
    ]) {
      for (const [method, path] of [
        ["GET", "/v1/jobs"],
        ["GET", `/v1/jobs/${randomUUID()}`],
        ["POST", `/v1/uploads/${randomUUID()}/complete`],
      ] as const) {
        const res = await t.call(method, path, undefined, { key: null, headers: { authorization } });
        expect(res.status).toBe(401);
        expect((await json(res)).code).toBe("unauthorized");
      }
    }
  });
});

describe("POST /v1/uploads, property-based", () => {
  let seq = 0;
  const tagged = <T>(valid: fc.Arbitrary<T>, invalid: fc.Arbitrary<unknown>) =>
    fc.oneof(
      { weight: 4, arbitrary: valid.map((v) => ({ ok: true, v: v as unknown })) },
      { weight: 1, arbitrary: invalid.map((v) => ({ ok: false, v })) },
    );
  const maxBytes = () => ctx.config.uploads.maxBytes;
  const field = {
    filename: tagged(
      fc.string({ minLength: 1, maxLength: 200 }).filter((s) => !s.includes("\u0000")),
      fc.oneof(
        fc.constant(""),
        fc.constant("a\u0000b"),
        fc.constant("x".repeat(5000)),
        fc.integer(),
        fc.constant(null),
      ),
    ),
    contentType: tagged(
      fc.constantFrom(
        "text/plain",
        "application/pdf",
        "text/markdown; charset=utf-8",
        "application/vnd.ms-excel",
      ),
      fc.oneof(fc.constantFrom("nonsense", "", "text/", "/plain", "a b/c"), fc.integer(), fc.constant(null)),
    ),
    size: tagged(
      fc.integer({ min: 0, max: 10 * 1024 * MiB }),
      fc.oneof(
        fc.integer({ min: -1e9, max: -1 }),
        fc.double({ min: 0.1, max: 1e6, noInteger: true }),
        fc.constant("10"),
      ),
    ),
    sha256: tagged(fc.stringMatching(/^[0-9a-f]{64}$/), fc.constantFrom("zz", "0".repeat(63), 42)),
    method: tagged(fc.constantFrom("PUT", "POST"), fc.constantFrom("GET", "put", 1)),
    metadata: tagged(
      fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 20 }), { maxKeys: 5 }),
      fc.oneof(fc.constant([1, 2]), fc.constant("meta"), fc.constant(7)),
    ),
    extra: tagged(fc.constant(undefined), fc.constant("key-from-client")),
  };

  it("never answers 5xx; 201 only for a valid body; a 4xx is problem+json with a code", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record(
          {
            filename: field.filename,
            contentType: field.contentType,
            size: field.size,
            sha256: field.sha256,
            method: field.method,
            metadata: field.metadata,
            extra: field.extra,
          },
          { requiredKeys: ["filename", "contentType", "size"] },
        ),
        async (spec) => {
          const body: Record<string, unknown> = { idempotencyKey: `prop-${seq++}-${randomUUID()}` };
          let valid = true;
          for (const [name, f] of Object.entries(spec)) {
            if (!f) continue;
            valid &&= f.ok;
            if (name === "extra") {
              if (f.v !== undefined) body.objectKey = f.v;
            } else body[name] = f.v;
          }
          const tooLarge = valid && (body.size as number) > maxBytes();
          // POST (form) uploads cannot be multipart; the API answers that as a bad body.
          const res = await t.call("POST", "/v1/uploads", body);
          expect(res.status).toBeLessThan(500);
          if (res.status === 201) {
            expect(valid && !tooLarge).toBe(true);
            return;
          }
          const problem = await json(res);
          expect(problem.code).toMatch(/^[a-z_]+$/);
          if (valid && !tooLarge) {
            // A valid body may still be refused for a documented reason (e.g. POST above the multipart threshold).
            expect([400, 413, 422]).toContain(res.status);
          }
          if (tooLarge) expect(problem.code).toBe("file_too_large");
          if (!valid) expect(res.status).toBe(400);
        },
      ),
      { numRuns: 150 },
    );
  }, 60_000);

  it("never answers 5xx to arbitrary JSON", async () => {
    await fc.assert(
      fc.asyncProperty(fc.jsonValue({ maxDepth: 3 }), async (value) => {
        const res = await t.call("POST", "/v1/uploads", JSON.stringify(value));
        expect(res.status).toBeLessThan(500);
        expect(res.status).not.toBe(201);
        expect((await json(res)).code).toMatch(/^[a-z_]+$/);
      }),
      { numRuns: 150 },
    );
  }, 60_000);
});
