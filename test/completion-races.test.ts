import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { claimJobs } from "../src/db/sql/claim.js";
import { findJobById } from "../src/db/sql/find-job.js";
import { completeUpload } from "../src/uploads/complete-upload.js";
import { createTestApp, putToUrl, type TestApp } from "./helpers/app.js";
import { WEBHOOK_TOKEN } from "./helpers/constants.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

async function uploadedJob(content = "race me") {
  const res = await t.call("POST", "/v1/uploads", {
    filename: "r.txt",
    contentType: "text/plain",
    size: content.length,
  });
  const json = (await res.json()) as any;
  expect((await putToUrl(json.upload, content)).status).toBe(200);
  return (await findJobById(ctx.db, json.id))!;
}
const count = async (jobId: string, type: string) =>
  (
    await ctx.db
      .selectFrom("job_events")
      .select("id")
      .where("job_id", "=", jobId)
      .where("type", "=", type)
      .execute()
  ).length;

function webhookEvent(bucket: string, key: string) {
  return {
    EventName: "s3:ObjectCreated:Put",
    Key: `${bucket}/${key}`,
    Records: [
      {
        eventName: "s3:ObjectCreated:Put",
        s3: { bucket: { name: bucket }, object: { key: encodeURIComponent(key) } },
      },
    ],
  };
}

describe("completion races", () => {
  it("50 concurrent completions make one transition and one uploaded event", async () => {
    const job = await uploadedJob();
    const deps = { db: ctx.db, store: ctx.store };
    // Every caller starts from the same stale `awaiting_upload` row, as racing requests would.
    const results = await Promise.all(
      Array.from({ length: 50 }, () => completeUpload(deps, job, "callback")),
    );
    expect(results.filter((r) => r.outcome === "ok")).toHaveLength(1);
    expect(results.filter((r) => r.outcome === "already")).toHaveLength(49);
    expect(await count(job.id, "uploaded")).toBe(1);
    expect((await findJobById(ctx.db, job.id))!.status).toBe("queued");
  });

  it("callback and webhook racing for the same object complete it once", async () => {
    const job = await uploadedJob();
    const calls = Array.from({ length: 20 }, (_, i) =>
      i % 2
        ? t.call("POST", `/v1/uploads/${job.id}/complete`)
        : t.call("POST", "/v1/storage-events", webhookEvent(ctx.config.s3.bucket, job.object_key), {
            key: WEBHOOK_TOKEN,
          }),
    );
    const responses = await Promise.all(calls);
    expect(responses.map((r) => r.status)).toEqual(Array(20).fill(200));
    expect(await count(job.id, "uploaded")).toBe(1);
  });

  it("a claim racing completions never returns a job before it is queued, and exactly once after", async () => {
    const job = await uploadedJob();
    const deps = { db: ctx.db, store: ctx.store };
    const claimers = Array.from({ length: 10 }, (_, i) =>
      claimJobs(ctx.db, { workerId: `w${i}`, stages: ["parse"], limit: 10, leaseSeconds: 30 }),
    );
    const [claims, completion] = await Promise.all([
      Promise.all(claimers),
      completeUpload(deps, job, "callback"),
    ]);
    const winners = claims.flat().filter((j) => j.id === job.id);
    // Claimed before the commit: nobody has it. After: at most one claimer does.
    expect(winners.length).toBeLessThanOrEqual(1);
    for (const w of winners) expect(w.uploaded_at).not.toBeNull();
    expect(completion.outcome).toBe("ok");
    const later = await claimJobs(ctx.db, {
      workerId: "late",
      stages: ["parse"],
      limit: 10,
      leaseSeconds: 30,
    });
    expect(winners.length + later.filter((j) => j.id === job.id).length).toBe(1);
  });
});
