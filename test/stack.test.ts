import { GetObjectCommand, PutObjectCommand } from "@aws-sdk/client-s3";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createDb } from "../src/db/database.js";
import { MIGRATION_NAMES, migrateToLatest } from "../src/db/migrate.js";
import { claimStatement } from "../src/db/sql/claim.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
});
afterAll(() => ctx.close());

describe("the test stack is real", () => {
  it("migrates an empty database from zero, with many migrators racing", async () => {
    await sql`DROP SCHEMA public CASCADE; CREATE SCHEMA public`.execute(ctx.db);
    const handles = Array.from({ length: 8 }, () => createDb({ connectionString: ctx.databaseUrl, max: 1 }));
    const results = await Promise.all(handles.map((h) => migrateToLatest(h)));
    await Promise.all(handles.map((h) => h.destroy()));
    // Exactly one migrator applied each migration, in order; the others found nothing to do.
    const applied = results.flatMap((r) => r.results ?? []).filter((r) => r.status === "Success");
    expect(applied.map((r) => r.migrationName)).toEqual(MIGRATION_NAMES);
    expect(MIGRATION_NAMES.length).toBeGreaterThanOrEqual(6);
    const tables = await sql<{ tablename: string }>`
      SELECT tablename FROM pg_tables WHERE schemaname = 'public' AND tablename NOT LIKE 'kysely%' ORDER BY 1`.execute(
      ctx.db,
    );
    expect(tables.rows.map((r) => r.tablename)).toEqual([
      "api_keys",
      "chunks",
      "documents",
      "embeddings",
      "job_events",
      "jobs",
      "sse_stream_slots",
      "tenant_limits",
      "tenant_upload_buckets",
      "tenant_usage",
      "tenants",
      "webhook_attempts",
      "webhook_deliveries",
      "webhook_endpoints",
      "workers",
    ]);
  });

  it("makes the workers' claim statement an index scan on the partial index", async () => {
    const claim = claimStatement({ workerId: "w", stages: ["parse"], limit: 10, leaseSeconds: 30 }).compile(
      ctx.db,
    );
    // EXPLAIN without ANALYZE plans the UPDATE/INSERT without running it.
    const client = new pg.Client({ connectionString: ctx.databaseUrl });
    await client.connect();
    const plan = await client
      .query<{ "QUERY PLAN": string }>(`EXPLAIN ${claim.sql}`, [...claim.parameters])
      .finally(() => client.end());
    const text = plan.rows.map((r) => r["QUERY PLAN"]).join("\n");
    expect(text).toMatch(/Index Scan using jobs_claimable/);
    expect(text).toMatch(/LockRows/);
  });

  it("round-trips an object through a presigned PUT", async () => {
    const body = "hello, intake";
    const url = await getSignedUrl(
      ctx.s3,
      new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: "rt/a.txt" }),
      {
        expiresIn: 60,
      },
    );
    const put = await fetch(url, { method: "PUT", body });
    expect(put.status).toBe(200);
    const got = await ctx.s3.send(new GetObjectCommand({ Bucket: ctx.config.s3.bucket, Key: "rt/a.txt" }));
    expect(await got.Body!.transformToString()).toBe(body);
  });

  it("answers 403 to a presigned URL whose signature was altered", async () => {
    const url = new URL(
      await getSignedUrl(ctx.s3, new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: "rt/b.txt" }), {
        expiresIn: 60,
      }),
    );
    const sig = url.searchParams.get("X-Amz-Signature")!;
    url.searchParams.set("X-Amz-Signature", (sig[0] === "a" ? "b" : "a") + sig.slice(1));
    const put = await fetch(url, { method: "PUT", body: "x" });
    expect(put.status).toBe(403);
    expect(await put.text()).toMatch(/SignatureDoesNotMatch/);
  });

  it("answers 403 to an expired presigned URL", async () => {
    const url = await getSignedUrl(
      ctx.s3,
      new PutObjectCommand({ Bucket: ctx.config.s3.bucket, Key: "rt/c.txt" }),
      {
        expiresIn: 1,
        signingDate: new Date(Date.now() - 60_000),
      },
    );
    const put = await fetch(url, { method: "PUT", body: "x" });
    expect(put.status).toBe(403);
    expect(await put.text()).toMatch(/expired/i);
  });
});
