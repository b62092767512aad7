import { readdirSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  type CompiledQuery,
  type DatabaseConnection,
  type Driver,
  Kysely,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type QueryResult,
} from "kysely";
import { describe, expect, it } from "vitest";
import type { Db, Tx } from "../database.js";
import type { Database, JobRow } from "../schema.js";
import { acquireStreamSlot } from "./acquire-stream-slot.js";
import { appendJobEvent } from "./append-job-event.js";
import { cancelJob } from "./cancel-job.js";
import { claimAnnouncedJobs, claimJobs } from "./claim.js";
import { claimWebhookDeliveries } from "./claim-webhook-deliveries.js";
import { completeWithReusedOutputs } from "./complete-with-reused-outputs.js";
import { countLiveJobs } from "./count-live-jobs.js";
import { countOutputs } from "./count-outputs.js";
import { countStreamSlots } from "./count-stream-slots.js";
import { deleteChunksFrom } from "./delete-chunks-from.js";
import { deleteExpiredJobs } from "./delete-expired-jobs.js";
import { deleteWebhookEndpoint } from "./delete-webhook-endpoint.js";
import { endStages, endStagesReturningIds } from "./end-stages.js";
import { endUpload } from "./end-upload.js";
import { expireDeadWorkersLeases } from "./expire-dead-workers-leases.js";
import { extendLeases } from "./extend-leases.js";
import { failAttempt } from "./fail-attempt.js";
import { findApiKeyByHash } from "./find-api-key-by-hash.js";
import { findDocument } from "./find-document.js";
import { findJob, findJobById } from "./find-job.js";
import { findJobByObjectKey } from "./find-job-by-object-key.js";
import { findLiveApiKey } from "./find-live-api-key.js";
import { findObjectOwners } from "./find-object-owners.js";
import { findReusableJob } from "./find-reusable-job.js";
import { findTenantByKeyHash } from "./find-tenant-by-key-hash.js";
import { findTenantLimits } from "./find-tenant-limits.js";
import { findTenantMaxPriority } from "./find-tenant-max-priority.js";
import { findWebhookEndpoint } from "./find-webhook-endpoint.js";
import { hasLiveReusers } from "./has-live-reusers.js";
import { heartbeatWorker } from "./heartbeat-worker.js";
import { insertApiKey } from "./insert-api-key.js";
import { insertUploadJob } from "./insert-upload-job.js";
import { insertWebhookEndpoint } from "./insert-webhook-endpoint.js";
import { insertJobEvents, notifyQueued } from "./job-events.js";
import { listApiKeys } from "./list-api-keys.js";
import { listChunks } from "./list-chunks.js";
import { listJobs } from "./list-jobs.js";
import { listTenantQuotaUsage } from "./list-tenant-quota-usage.js";
import { listWebhookDeliveries } from "./list-webhook-deliveries.js";
import { listWebhookEndpoints } from "./list-webhook-endpoints.js";
import { lockFenced } from "./lock-fenced.js";
import { lockJob } from "./lock-job.js";
import { markJobDeleted } from "./mark-job-deleted.js";
import { ping } from "./ping.js";
import { pruneGenerations } from "./prune-generations.js";
import { purgeJobOutputs } from "./purge-job-outputs.js";
import { queueVerifiedUpload } from "./queue-verified-upload.js";
import { readChunksAfter } from "./read-chunks-after.js";
import { readJobEventsAfter } from "./read-job-events.js";
import { recordUploadRejected } from "./record-upload-rejected.js";
import { recordWebhookAttempt } from "./record-webhook-attempt.js";
import { redeliverWebhook } from "./redeliver-webhook.js";
import { registerWorker } from "./register-worker.js";
import { releaseExpiredLeases } from "./release-expired-leases.js";
import { releaseJob } from "./release-job.js";
import { releaseStreamSlot } from "./release-stream-slot.js";
import { renewStreamSlots } from "./renew-stream-slots.js";
import { reportProgress } from "./report-progress.js";
import { reprocessJob } from "./reprocess-job.js";
import { retryFailedJob } from "./retry-failed-job.js";
import { revokeApiKey } from "./revoke-api-key.js";
import { rotateWebhookSecret } from "./rotate-webhook-secret.js";
import { setJobWarnings } from "./set-job-warnings.js";
import { setTenantLimits } from "./set-tenant-limits.js";
import { takeJobsToPurge } from "./take-jobs-to-purge.js";
import { takeUploadToken } from "./take-upload-token.js";
import { takeUploadsToReconcile } from "./take-uploads-to-reconcile.js";
import { tenantStorageUsage } from "./tenant-storage-usage.js";
import { touchApiKey } from "./touch-api-key.js";
import { unregisterWorker } from "./unregister-worker.js";
import { updateJobMetadata } from "./update-job-metadata.js";
import { updateWebhookEndpoint } from "./update-webhook-endpoint.js";
import { upsertChunks } from "./upsert-chunks.js";
import { upsertDocument } from "./upsert-document.js";
import { upsertEmbeddingsFenced } from "./upsert-embeddings.js";
import { releaseVerificationLock, withVerificationLock } from "./verification-lock.js";

// The SQL each statement of the SQL layer sends to Postgres is committed beside this file, one
// .sql file per statement file: a change to a query shows in review as a change to its .sql
// file, and a snapshot that no longer matches fails here (update with `npx vitest run -u` and
// review the diff). Statements run against a driver that records what it is sent and answers
// every query with one plausible row, so each function takes its whole path.

const ID = "00000000-0000-4000-8000-000000000001";
const row = {
  id: ID,
  tenant_id: "t",
  status: "running",
  stage: "parse",
  attempt: 1,
  max_attempts: 3,
  releases: 0,
  size: "5",
  lease_owner: "host:1:abc",
  content_sha256: "ab",
  pipeline_key: "k",
  created_at: new Date(0),
  documents: 0,
  chunks: 0,
  embeddings: 0,
  attempts: [],
};

class RecordingConnection implements DatabaseConnection {
  readonly sent: CompiledQuery[] = [];
  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    this.sent.push(query);
    return { rows: [row as R] };
  }
  // biome-ignore lint/correctness/useYield: no statement here streams.
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("not recorded");
  }
}

function recordingDb(): { db: Db; sent: CompiledQuery[] } {
  const connection = new RecordingConnection();
  const driver: Driver = {
    init: async () => {},
    acquireConnection: async () => connection,
    beginTransaction: async () => {},
    commitTransaction: async () => {},
    rollbackTransaction: async () => {},
    releaseConnection: async () => {},
    destroy: async () => {},
  };
  const db = new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => driver,
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
  return { db, sent: connection.sent };
}

const fence = { id: ID, attempt: 1, workerId: "host:1:abc", stage: "parse" } as const;
const job = row as unknown as JobRow;
const event = { jobId: ID, tenantId: "t", type: "progress", data: { n: 1 } };
const tx = <T>(db: Db, run: (trx: Tx) => Promise<T>) => db.transaction().execute(run);

/** One call per statement file, with arguments that reach every statement it sends. */
const STATEMENTS: Record<string, (db: Db) => Promise<unknown>> = {
  "append-job-event": (db) => tx(db, (trx) => appendJobEvent(trx, event)),
  "acquire-stream-slot": (db) =>
    acquireStreamSlot(db, { tenantId: "t", streamId: ID, holder: "api:1:abc", limit: 5, ttlSeconds: 60 }),
  "count-stream-slots": (db) => countStreamSlots(db, "t"),
  "find-tenant-limits": (db) => findTenantLimits(db, "t"),
  "list-tenant-quota-usage": async (db) => {
    await listTenantQuotaUsage(db, { limit: 100 });
    await listTenantQuotaUsage(db, { limit: 1, tenant: "t" });
  },
  "release-stream-slot": (db) => releaseStreamSlot(db, ID),
  "renew-stream-slots": (db) => renewStreamSlots(db, "api:1:abc", 60),
  "set-tenant-limits": (db) => setTenantLimits(db, "t", { uploadsPerMinute: 10, maxBytes: null }),
  "take-upload-token": (db) => takeUploadToken(db, "t", 60),
  "tenant-storage-usage": (db) => tenantStorageUsage(db, "t"),
  "cancel-job": (db) => cancelJob(db, job, "by the client"),
  claim: async (db) => {
    await claimJobs(db, { workerId: fence.workerId, stages: ["parse"], limit: 4, leaseSeconds: 30 });
    await claimAnnouncedJobs(db, {
      workerId: fence.workerId,
      stages: ["parse"],
      leaseSeconds: 30,
      jobIds: [ID],
    });
  },
  "complete-with-reused-outputs": (db) => completeWithReusedOutputs(db, fence, ID),
  "count-live-jobs": (db) => countLiveJobs(db),
  "count-outputs": (db) => countOutputs(db, ID),
  "delete-chunks-from": (db) => tx(db, (trx) => deleteChunksFrom(trx, ID, 3)),
  // Queued for any worker, then chained to this one (one statement each), then the last stage,
  // which completes the job (the UPDATE, then its events with the webhook outbox).
  "end-stages": (db) =>
    tx(db, async (trx) => {
      await endStages(trx, [{ job, fence, detail: {} }]);
      const chain = { workerId: "w", leaseSeconds: 30, defaultCap: null };
      await endStages(trx, [{ job, fence, detail: {}, chain }]);
      await endStages(trx, [{ job, fence: { ...fence, stage: "embed" }, detail: {} }]);
      // The batcher's: the same statements, answering with ids.
      await endStagesReturningIds(trx, [{ job, fence, detail: {} }]);
      await endStagesReturningIds(trx, [{ job, fence: { ...fence, stage: "embed" }, detail: {} }]);
    }),
  "end-upload": (db) => endUpload(db, job, "expired", "its URL expired"),
  "expire-dead-workers-leases": (db) => expireDeadWorkersLeases(db, 30),
  "heartbeat-worker": (db) => heartbeatWorker(db, fence.workerId),
  "register-worker": (db) => registerWorker(db, fence.workerId, 4242),
  "unregister-worker": (db) => unregisterWorker(db, fence.workerId),
  "extend-leases": (db) => extendLeases(db, fence.workerId, [{ id: ID, attempt: 1 }], 30),
  "fail-attempt": (db) => failAttempt(db, fence, { code: "x", message: "m", retryable: true }, 1000),
  "find-document": (db) => findDocument(db, ID),
  "find-job": async (db) => {
    await findJobById(db, ID);
    await findJob(db, "t", ID);
  },
  "find-job-by-object-key": (db) => findJobByObjectKey(db, "uploads/t/x/a.txt"),
  "find-object-owners": (db) => findObjectOwners(db, [ID]),
  "find-reusable-job": (db) => findReusableJob(db, job),
  "find-tenant-by-key-hash": (db) => findTenantByKeyHash(db, "ab"),
  "find-tenant-max-priority": (db) => findTenantMaxPriority(db, "t", 10),
  "insert-api-key": (db) =>
    insertApiKey(db, { tenantId: "t", keyHash: "ab", keyPrefix: "ik_abc", label: null }),
  "insert-upload-job": (db) =>
    insertUploadJob(
      db,
      { ...(row as object), status: "awaiting_upload", idempotency_key: "k" } as never,
      3600,
      { maxBytes: 1000, maxDocuments: 10 },
    ),
  "job-events": (db) =>
    tx(db, async (trx) => {
      await insertJobEvents(trx, [event, event]);
      await notifyQueued(trx, "parse");
    }),
  "list-chunks": (db) => listChunks(db, ID, { afterSeq: 0, limit: 10, embeddings: true }),
  "list-jobs": async (db) => {
    await listJobs(db, "t", {
      status: "queued",
      cursor: { createdAt: new Date(0).toISOString(), id: ID },
      limit: 10,
    });
    await listJobs(db, "t", { stage: "parse", errorCode: "corrupt_file", limit: 10 });
  },
  "lock-fenced": (db) => tx(db, (trx) => lockFenced(trx, fence)),
  "lock-job": (db) => tx(db, (trx) => lockJob(trx, ID)),
  ping: (db) => ping(db, 1000),
  "queue-verified-upload": async (db) => {
    await queueVerifiedUpload(db, job, { etag: '"e"', contentSha256: null }, "callback");
    // Holding the verification lock: the statement hands it off.
    await queueVerifiedUpload(db, job, { etag: '"e"', contentSha256: "ab" }, "callback", {
      conn: db,
      job,
      released: false,
    });
  },
  "read-chunks-after": (db) => readChunksAfter(db, ID, 0, 10),
  "read-job-events": (db) => readJobEventsAfter(db, ID, 0n, 10),
  "record-upload-rejected": (db) =>
    recordUploadRejected(db, job, { code: "size_mismatch", detail: "d", source: "callback" }),
  "release-expired-leases": (db) => releaseExpiredLeases(db, 100),
  "release-job": (db) => releaseJob(db, fence, "storage is down", 500, { outage: true }),
  "report-progress": (db) => reportProgress(db, fence, { pagesParsed: 1 }),
  "retry-failed-job": (db) => retryFailedJob(db, "t", ID),
  "set-job-warnings": (db) => tx(db, (trx) => setJobWarnings(trx, ID, ["no_text_layer"])),
  "take-uploads-to-reconcile": (db) =>
    takeUploadsToReconcile(db, { olderThanSeconds: 60, recheckSeconds: 5, limit: 100 }),
  "verification-lock": async (db) => {
    await withVerificationLock(db, ID, async () => {});
    await releaseVerificationLock(db, ID);
  },
  "upsert-chunks": (db) =>
    tx(db, (trx) =>
      upsertChunks(trx, ID, [
        {
          seq: 0,
          text: "t",
          start: 0,
          end: 1,
          pageStart: 1,
          pageEnd: 2,
          headingPath: ["A", "B"],
          tokenCount: 1,
        },
      ]),
    ),
  "upsert-document": (db) =>
    tx(db, (trx) =>
      upsertDocument(trx, {
        jobId: ID,
        detectedType: "text",
        textKey: "derived/t/x/text.1.txt",
        textFormat: "markdown",
        chars: 1,
        pageCount: 1,
        pages: [],
        sections: [],
        metadata: {},
      }),
    ),
  "upsert-embeddings": (db) => upsertEmbeddingsFenced(db, fence, "hash", [{ chunkId: "7", vector: [0.5] }]),
  // Webhooks (the outbox itself is part of job-events.sql and every statement writing events).
  "claim-webhook-deliveries": (db) =>
    claimWebhookDeliveries(db, { owner: fence.workerId, limit: 4, leaseSeconds: 30, maxAttempts: 8 }),
  "delete-webhook-endpoint": (db) => deleteWebhookEndpoint(db, "t", ID),
  "find-webhook-endpoint": (db) => findWebhookEndpoint(db, "t", ID),
  "insert-webhook-endpoint": (db) =>
    insertWebhookEndpoint(db, {
      tenantId: "t",
      url: "https://example.com/hook",
      description: null,
      events: ["job.completed"],
      secret: "whsec_x",
    }),
  "list-webhook-deliveries": (db) =>
    listWebhookDeliveries(db, ID, { limit: 10, before: { createdAt: new Date(0).toISOString(), id: ID } }),
  "list-webhook-endpoints": (db) => listWebhookEndpoints(db, "t"),
  "record-webhook-attempt": (db) =>
    recordWebhookAttempt(db, {
      fence: { id: ID, attempt: 1, owner: fence.workerId },
      ok: false,
      statusCode: 500,
      error: "HTTP 500",
      durationMs: 12,
      retryDelayMs: 1000,
      disableAfterSeconds: 3600,
    }),
  "redeliver-webhook": (db) => redeliverWebhook(db, ID, ID),
  "rotate-webhook-secret": (db) => rotateWebhookSecret(db, "t", ID, "whsec_y", 86400),
  "update-webhook-endpoint": (db) =>
    updateWebhookEndpoint(db, "t", ID, { url: "https://example.com/b", events: null, enabled: true }),
  // Delete, retention and reprocess (issue 14 §2-3).
  "delete-expired-jobs": (db) => deleteExpiredJobs(db, { days: 30, limit: 100 }),
  "has-live-reusers": (db) => hasLiveReusers(db, ID),
  "mark-job-deleted": (db) => markJobDeleted(db, job, "deleted by client"),
  "prune-generations": (db) => pruneGenerations(db, ID),
  "purge-job-outputs": (db) => purgeJobOutputs(db, ID),
  "reprocess-job": async (db) => {
    const settings = { chunkSize: 500, chunkOverlap: 50 };
    // The same pipeline key takes the whole path; a new one checks for reusers first.
    await reprocessJob(db, { tenantId: "t", id: ID, from: "embed", settings, pipelineKey: "k" });
    await reprocessJob(db, { tenantId: "t", id: ID, from: "embed", settings, pipelineKey: "k2" });
  },
  "take-jobs-to-purge": (db) => takeJobsToPurge(db, { graceSeconds: 60, recheckSeconds: 60, limit: 100 }),
  "update-job-metadata": (db) => updateJobMetadata(db, "t", ID, { project: "x" }),
  // API keys (issue 14 §4).
  "find-api-key-by-hash": (db) => findApiKeyByHash(db, "ab"),
  "find-live-api-key": (db) => findLiveApiKey(db, ID),
  "list-api-keys": (db) => listApiKeys(db, "t"),
  "revoke-api-key": (db) => revokeApiKey(db, "t", ID),
  "touch-api-key": (db) => touchApiKey(db, ID),
};

/** Files of this folder that hold helpers, not statements. */
const HELPERS = new Set(["status-guard", "webhook-outbox", "worker-job-columns"]);

/** Whitespace-normalized, so re-indenting a template literal is not a change. */
const normalize = (text: string) =>
  text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");

const here = path.dirname(fileURLToPath(import.meta.url));

describe("SQL snapshots", () => {
  it("every statement file of src/db/sql has a snapshot case", () => {
    const files = readdirSync(here)
      .filter((f) => f.endsWith(".ts") && !f.endsWith(".test.ts"))
      .map((f) => f.slice(0, -3))
      .filter((f) => !HELPERS.has(f));
    expect(files.sort()).toEqual(Object.keys(STATEMENTS).sort());
  });

  it.each(Object.entries(STATEMENTS))("%s.sql matches what the statement sends", async (name, call) => {
    const { db, sent } = recordingDb();
    await call(db);
    expect(sent.length).toBeGreaterThan(0);
    const text = sent.map((q) => `${normalize(q.sql)};\n-- ${q.parameters.length} parameters\n`).join("\n");
    await expect(text).toMatchFileSnapshot(`./__snapshots__/${name}.sql`);
  });
});
