import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LeaseLostError } from "../src/db/fence.js";
import {
  EDGES,
  JOB_STATUSES,
  type JobEventType,
  type JobStage,
  type JobStatus,
} from "../src/db/job-states.js";
import type { JobRow } from "../src/db/schema.js";
import { cancelJob } from "../src/db/sql/cancel-job.js";
import { claimJobs } from "../src/db/sql/claim.js";
import { completeWithReusedOutputs } from "../src/db/sql/complete-with-reused-outputs.js";
import { endStages } from "../src/db/sql/end-stages.js";
import { endUpload } from "../src/db/sql/end-upload.js";
import { failAttempt } from "../src/db/sql/fail-attempt.js";
import { markJobDeleted } from "../src/db/sql/mark-job-deleted.js";
import { queueVerifiedUpload } from "../src/db/sql/queue-verified-upload.js";
import { releaseExpiredLeases } from "../src/db/sql/release-expired-leases.js";
import { releaseJob } from "../src/db/sql/release-job.js";
import { reprocessJob } from "../src/db/sql/reprocess-job.js";
import { retryFailedJob } from "../src/db/sql/retry-failed-job.js";
import { WEBHOOK_EVENT_SOURCES } from "../src/db/webhook-events.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// The SQL against the model: every statement that changes a job's status is applied to a job
// in every status (and, where the outcome depends on it, at the first and the last stage and
// attempt). A statement may change a job only if EDGES lets its event start from that status,
// only to a status EDGES lists, and every edge EDGES lists must be taken by some case.

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await ctx.db
    .insertInto("tenants")
    .values({ id: "sm" })
    .onConflict((oc) => oc.doNothing())
    .execute();
  // Every webhook event type is written to the outbox with the job as the change left it.
  await ctx.db
    .insertInto("webhook_endpoints")
    .values({
      tenant_id: "sm",
      url: "https://hooks.example.com/",
      description: null,
      events: null,
      secret: "whsec_AA",
    })
    .execute();
});
afterAll(() => ctx.close());

const WORKER = "host:1:sm";
const MAX_ATTEMPTS = 3;

interface Variant {
  stage: JobStage;
  attempt: number;
  leaseExpired: boolean;
}

async function jobIn(status: JobStatus, v: Variant): Promise<JobRow> {
  await sql`TRUNCATE jobs CASCADE`.execute(ctx.db);
  const running = status === "running";
  const id = crypto.randomUUID();
  return ctx.db
    .insertInto("jobs")
    .values({
      id,
      tenant_id: "sm",
      status,
      stage: v.stage,
      filename: "a.txt",
      content_type: "text/plain",
      size: 1,
      object_key: `sm/${id}`,
      upload_method: "PUT",
      // Past, so that an upload may expire; no other statement looks at it.
      upload_expires_at: sql<Date>`now() - interval '1 second'`,
      attempt: v.attempt,
      max_attempts: MAX_ATTEMPTS,
      lease_owner: running ? WORKER : null,
      lease_expires_at: running
        ? sql<Date>`now() + make_interval(secs => ${v.leaseExpired ? -5 : 60})`
        : null,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
}

const fenceOf = (job: JobRow) => ({ id: job.id, attempt: job.attempt, workerId: WORKER, stage: job.stage });

/** Applies `event` through its statement; lost-lease refusals count as "not applied". */
const APPLY: Record<JobEventType, (job: JobRow) => Promise<unknown>> = {
  upload_verified: (job) => queueVerifiedUpload(ctx.db, job, { etag: "e", contentSha256: null }, "callback"),
  upload_expired: (job) => endUpload(ctx.db, job, "expired", "test"),
  cancel: (job) => cancelJob(ctx.db, job, "test"),
  claim: (job) =>
    claimJobs(ctx.db, { workerId: "host:2:sm", stages: [job.stage], limit: 1, leaseSeconds: 30 }),
  stage_succeeded: (job) =>
    ctx.db.transaction().execute((trx) => endStages(trx, [{ job, fence: fenceOf(job), detail: {} }])),
  // Chained to the same worker; the lease-expired variants stand for a tenant with a cap of 1
  // running job per stage, whose next stage is queued instead.
  stage_chained: (job) =>
    ctx.db.transaction().execute((trx) =>
      endStages(trx, [
        {
          job,
          fence: fenceOf(job),
          detail: {},
          chain: {
            workerId: WORKER,
            leaseSeconds: 30,
            defaultCap: job.lease_expires_at && job.lease_expires_at.getTime() < Date.now() ? 1 : null,
          },
        },
      ]),
    ),
  outputs_reused: async (job) => completeWithReusedOutputs(ctx.db, fenceOf(job), await completedSource()),
  stage_failed: (job) => failAttempt(ctx.db, fenceOf(job), { code: "x", message: "m", retryable: true }, 0),
  lease_expired: () => releaseExpiredLeases(ctx.db),
  released: (job) => releaseJob(ctx.db, fenceOf(job), "test"),
  retry: (job) => retryFailedJob(ctx.db, "sm", job.id),
  delete: (job) => markJobDeleted(ctx.db, job, "test"),
  reprocess: (job) =>
    reprocessJob(ctx.db, { tenantId: "sm", id: job.id, from: "parse", settings: null, pipelineKey: "k" }),
};

/** A completed job of the tenant whose outputs another may reuse (dedup requires one). */
async function completedSource(): Promise<string> {
  const id = crypto.randomUUID();
  await ctx.db
    .insertInto("jobs")
    .values({
      id,
      tenant_id: "sm",
      status: "completed",
      stage: "embed",
      filename: "src.txt",
      content_type: "text/plain",
      size: 1,
      object_key: `sm/${id}`,
      upload_method: "PUT",
      upload_expires_at: sql<Date>`now()`,
    })
    .execute();
  return id;
}

const VARIANTS: Variant[] = [
  { stage: "parse", attempt: 1, leaseExpired: false },
  { stage: "embed", attempt: MAX_ATTEMPTS, leaseExpired: false },
  { stage: "parse", attempt: 1, leaseExpired: true },
  { stage: "embed", attempt: MAX_ATTEMPTS, leaseExpired: true },
];

describe("the SQL takes exactly the state machine's edges", () => {
  it.each(Object.keys(APPLY) as JobEventType[])("%s", async (event) => {
    const taken = new Set<string>();
    for (const status of JOB_STATUSES) {
      for (const variant of VARIANTS) {
        const job = await jobIn(status, variant);
        const eventsBefore = await countEvents(job.id);
        await APPLY[event](job).catch((err: unknown) => {
          if (!(err instanceof LeaseLostError)) throw err;
        });
        const after = await ctx.db
          .selectFrom("jobs")
          .select("status")
          .where("id", "=", job.id)
          .executeTakeFirstOrThrow();
        const changed = after.status !== status || (await countEvents(job.id)) !== eventsBefore;
        const where0 = `${event} from ${status}`;
        await expectOutboxMatches(job.id, after.status, where0);
        const where = `${event} from ${status} (${variant.stage}, attempt ${variant.attempt}${variant.leaseExpired ? ", lease expired" : ""})`;
        if (!EDGES[event].from.includes(status)) {
          expect(changed, `${where} must change nothing`).toBe(false);
          continue;
        }
        if (!changed) continue; // an allowed event may still not apply (a live lease is not reaped)
        expect(EDGES[event].to, `${where} went to ${after.status}`).toContain(after.status);
        taken.add(`${status}→${after.status}`);
      }
    }
    const modelled = EDGES[event].from.flatMap((from) => EDGES[event].to.map((to) => `${from}→${to}`));
    // Every edge the model lists is taken by some case (running→queued needs a next stage, etc.).
    expect([...taken].sort()).toEqual(modelled.sort());
  });
});

describe("upload expiry", () => {
  it("expires an awaiting upload only once upload_expires_at has passed by the database's clock", async () => {
    const job = await jobIn("awaiting_upload", VARIANTS[0]!);
    await ctx.db
      .updateTable("jobs")
      .set({ upload_expires_at: sql<Date>`now() + interval '1 hour'` })
      .where("id", "=", job.id)
      .execute();
    expect(await endUpload(ctx.db, job, "expired", "test")).toBeUndefined();
    await ctx.db
      .updateTable("jobs")
      .set({ upload_expires_at: sql<Date>`now() - interval '1 second'` })
      .where("id", "=", job.id)
      .execute();
    expect((await endUpload(ctx.db, job, "expired", "test"))?.status).toBe("expired");
  });
});

async function countEvents(jobId: string): Promise<number> {
  const { n } = await ctx.db
    .selectFrom("job_events")
    .select((eb) => eb.fn.countAll<string>().as("n"))
    .where("job_id", "=", jobId)
    .executeTakeFirstOrThrow();
  return Number(n);
}

/** One delivery per webhook-type event of the job, each carrying the job in `status`. */
async function expectOutboxMatches(jobId: string, status: string, where: string): Promise<void> {
  const sources = Object.values(WEBHOOK_EVENT_SOURCES) as string[];
  const events = await ctx.db.selectFrom("job_events").select("type").where("job_id", "=", jobId).execute();
  const deliveries = await ctx.db
    .selectFrom("webhook_deliveries")
    .select(["type", "job"])
    .where("job_id", "=", jobId)
    .execute();
  expect(deliveries.length, `${where}: deliveries`).toBe(
    events.filter((e) => sources.includes(e.type)).length,
  );
  for (const d of deliveries) {
    expect(d.job.row.status, `${where}: ${d.type} carries the job`).toBe(status);
    outboxTypes.add(d.type);
  }
}
const outboxTypes = new Set<string>();

describe("the webhook outbox", () => {
  it("was written by the statements above for every status-changing webhook type", () => {
    expect([...outboxTypes].sort()).toEqual([
      "job.cancelled",
      "job.completed",
      "job.deleted",
      "job.expired",
      "job.failed",
    ]);
  });
});
