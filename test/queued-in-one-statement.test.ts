import { createHash } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findJobById } from "../src/db/sql/find-job.js";
import { QUEUE_CHANNEL } from "../src/db/sql/job-events.js";
import { queueVerifiedUpload } from "../src/db/sql/queue-verified-upload.js";
import { WEBHOOK_EVENT_SOURCES } from "../src/db/webhook-events.js";
import { ObjectNotFoundError } from "../src/storage/errors.js";
import type { ObjectStore } from "../src/storage/object-store.js";
import { verifyUploadedObject } from "../src/storage/verify.js";
import { completeUpload } from "../src/uploads/complete-upload.js";
import { createTestApp, postToUrl, putToUrl, type TestApp } from "./helpers/app.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

// The upload path's statements carry more than one step each (see queue-verified-upload.ts,
// insert-upload-job.ts and verification-lock.ts); these check what that must not lose.

let ctx: TestContext;
let t: TestApp;
beforeAll(async () => {
  ctx = await createTestContext();
  t = await createTestApp(ctx);
});
afterAll(() => ctx.close());

/** Advisory locks held in this test's database, by any session. */
async function advisoryLocks(): Promise<number> {
  const { rows } = await sql<{ n: number }>`
    SELECT count(*)::int AS n FROM pg_locks l JOIN pg_database d ON d.oid = l.database
    WHERE l.locktype = 'advisory' AND d.datname = current_database()`.execute(ctx.db);
  return rows[0]!.n;
}

async function created(body: Uint8Array | string, method: "PUT" | "POST" = "PUT") {
  const bytes = typeof body === "string" ? Buffer.from(body) : body;
  const res = await t.call("POST", "/v1/uploads", {
    filename: "a.bin",
    contentType: "application/octet-stream",
    size: bytes.length,
    sha256: createHash("sha256").update(bytes).digest("hex"),
    method,
  });
  expect(res.status).toBe(201);
  return (await res.json()) as any;
}

describe("events written in the statement of their change", () => {
  it("no webhook is sent for `created` or `uploaded` (the outbox could not read the job they change)", () => {
    const sources: string[] = Object.values(WEBHOOK_EVENT_SOURCES);
    expect(sources).not.toContain("created");
    expect(sources).not.toContain("uploaded");
  });

  it("a completion queues the job with its event and wakes workers, and holds no lock after", async () => {
    const listener = new pg.Client({ connectionString: ctx.databaseUrl });
    await listener.connect();
    try {
      const woken: string[] = [];
      listener.on("notification", (n) => {
        if (n.channel === QUEUE_CHANNEL) woken.push(n.payload ?? "");
      });
      await listener.query(`LISTEN ${QUEUE_CHANNEL}`);
      const json = await created("hello");
      expect((await putToUrl(json.upload, "hello")).status).toBe(200);
      const result = await completeUpload(ctx, (await findJobById(ctx.db, json.id))!, "callback");
      expect(result.outcome).toBe("ok");
      expect(result.job.status).toBe("queued");
      const events = await ctx.db
        .selectFrom("job_events")
        .selectAll()
        .where("job_id", "=", json.id)
        .orderBy("id")
        .execute();
      expect(events.map((e) => e.type)).toEqual(["created", "uploaded"]);
      expect(events[1]!.data).toMatchObject({
        status: "queued",
        stage: "parse",
        source: "callback",
        size: 5,
      });
      // The NOTIFY names the job, so that an idle worker can claim it by id.
      await expect.poll(() => woken).toEqual([`parse:${json.id}`]);
      expect(await advisoryLocks()).toBe(0);
    } finally {
      await listener.end();
    }
  });

  it("no lock is left after a missing object, nor taken for a settled job", async () => {
    const json = await created("later");
    const job = (await findJobById(ctx.db, json.id))!;
    expect((await completeUpload(ctx, job, "callback")).outcome).toBe("missing");
    expect(await advisoryLocks()).toBe(0);
    expect((await putToUrl(json.upload, "later")).status).toBe(200);
    expect((await completeUpload(ctx, job, "callback")).outcome).toBe("ok");
    // `job` is the stale awaiting row: the lock's read finds it queued and takes no lock.
    expect((await completeUpload(ctx, job, "callback")).outcome).toBe("already");
    expect(await advisoryLocks()).toBe(0);
  });

  it("a guard that matches nothing still releases the lock it hands off", async () => {
    const json = await created("x");
    const job = (await findJobById(ctx.db, json.id))!;
    await ctx.db.updateTable("jobs").set({ status: "cancelled" }).where("id", "=", job.id).execute();
    const conn = await ctx.db.connection().execute(async (c) => {
      const { rows } = await sql<{ ok: boolean }>`
        SELECT pg_try_advisory_lock(hashtextextended('intake:verify:' || ${job.id}::text, 0)) AS ok`.execute(
        c,
      );
      expect(rows[0]!.ok).toBe(true);
      const lock = { conn: c, job, released: false };
      expect(
        await queueVerifiedUpload(c, job, { etag: "e", contentSha256: null }, "callback", lock),
      ).toBeNull();
      return lock;
    });
    expect(conn.released).toBe(true);
    expect(await advisoryLocks()).toBe(0);
  });
});

describe("a read that predates the previous holder's commit", () => {
  it("does not hash again: the job is re-read before the hash", async () => {
    const body = new Uint8Array(256 * 1024).map((_, i) => i % 7);
    const json = await created(body, "POST");
    expect((await postToUrl(json.upload, body)).status).toBe(204);
    const job = (await findJobById(ctx.db, json.id))!;
    let opens = 0;
    // Another completion queues the job between our lock's read and our hash.
    const store = new Proxy(ctx.store, {
      get(target, prop) {
        if (prop === "head") {
          return async (key: string) => {
            const head = await target.head(key);
            await queueVerifiedUpload(ctx.db, job, { etag: head.etag, contentSha256: null }, "webhook");
            return head;
          };
        }
        if (prop === "open") opens++;
        const value = Reflect.get(target, prop, target);
        return typeof value === "function" ? value.bind(target) : value;
      },
    }) as ObjectStore;
    const result = await completeUpload({ db: ctx.db, store }, job, "callback");
    expect(result.outcome).toBe("already");
    expect(opens).toBe(0);
    expect(await advisoryLocks()).toBe(0);
  });

  it("does not delete the object of a job queued meanwhile on a mismatch, nor report it missing", async () => {
    for (const seen of ["mismatch", "missing"] as const) {
      const json = await created("body");
      expect((await putToUrl(json.upload, "body")).status).toBe(200);
      const job = (await findJobById(ctx.db, json.id))!;
      let deletes = 0;
      // Another completion queues the job between our lock's read and our HEAD, after which the
      // object looks wrong (overwritten) or gone.
      const store = new Proxy(ctx.store, {
        get(target, prop) {
          if (prop === "head") {
            return async (key: string) => {
              const head = await target.head(key);
              await queueVerifiedUpload(ctx.db, job, { etag: head.etag, contentSha256: null }, "webhook");
              if (seen === "missing") throw new ObjectNotFoundError(key);
              return { ...head, size: head.size + 1 };
            };
          }
          if (prop === "delete") deletes++;
          const value = Reflect.get(target, prop, target);
          return typeof value === "function" ? value.bind(target) : value;
        },
      }) as ObjectStore;
      const result = await completeUpload({ db: ctx.db, store }, job, "callback");
      expect(result.outcome).toBe("already");
      expect(deletes).toBe(0);
      const types = await ctx.db
        .selectFrom("job_events")
        .select("type")
        .where("job_id", "=", job.id)
        .execute();
      expect(types.map((e) => e.type)).not.toContain("upload_rejected");
    }
  });

  it("verifyUploadedObject asks beforeHash and reads nothing when told no", async () => {
    const body = new Uint8Array(1024).map((_, i) => i % 5);
    const json = await created(body, "POST");
    expect((await postToUrl(json.upload, body)).status).toBe(204);
    const job = (await findJobById(ctx.db, json.id))!;
    const expected = { key: job.object_key, size: 1024, contentType: job.content_type, sha256: job.sha256 };
    let asked = 0;
    const v = await verifyUploadedObject(ctx.store, expected, {
      beforeHash: async () => {
        asked++;
        return false;
      },
    });
    expect(v.outcome).toBe("superseded");
    expect(asked).toBe(1);
    expect((await verifyUploadedObject(ctx.store, expected, { beforeHash: async () => true })).outcome).toBe(
      "ok",
    );
  });
});
