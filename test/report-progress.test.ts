import { randomUUID } from "node:crypto";
import { sql } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EVENTS_CHANNEL } from "../src/db/sql/job-events.js";
import { reportProgress } from "../src/db/sql/report-progress.js";
import { createTestContext, type TestContext } from "./helpers/context.js";

let ctx: TestContext;
beforeAll(async () => {
  ctx = await createTestContext();
  await sql`INSERT INTO tenants (id) VALUES ('progress')`.execute(ctx.db);
});
afterAll(() => ctx.close());

/** A job running its chunk stage under worker `w`, attempt 2. */
async function runningJob(): Promise<string> {
  const id = randomUUID();
  await sql`
    INSERT INTO jobs (id, tenant_id, status, stage, filename, content_type, size, object_key,
                      upload_method, upload_expires_at, uploaded_at, attempt, lease_owner,
                      lease_expires_at)
    VALUES (${id}, 'progress', 'running', 'chunk', 'f.txt', 'text/plain', 1, ${`progress/${id}`}, 'PUT',
            now() + interval '1 day', now(), 2, 'w', now() + interval '30 seconds')`.execute(ctx.db);
  return id;
}

const stateOf = async (id: string) => {
  const job = await sql<{ progress: unknown }>`SELECT progress FROM jobs WHERE id = ${id}`.execute(ctx.db);
  const events = await sql<{ type: string; data: unknown }>`
    SELECT type, data FROM job_events WHERE job_id = ${id} ORDER BY id`.execute(ctx.db);
  return { progress: job.rows[0]?.progress, events: events.rows };
};

describe("reportProgress", () => {
  it("records progress and its event, and NOTIFYs it, while the lease holds", async () => {
    const id = await runningJob();
    const listener = new pg.Client({ connectionString: ctx.databaseUrl });
    await listener.connect();
    try {
      const heard = new Promise<{ jobId: string; id: string }>((resolve) =>
        listener.on("notification", (n) => resolve(JSON.parse(n.payload ?? "{}"))),
      );
      await listener.query(`LISTEN ${EVENTS_CHANNEL}`);
      const fence = { id, workerId: "w", attempt: 2, stage: "chunk" } as const;
      expect(await reportProgress(ctx.db, fence, { chunks: 3, charsTotal: 90 })).toBe(true);
      const state = await stateOf(id);
      expect(state.progress).toEqual({ chunks: 3, charsTotal: 90 });
      expect(state.events).toEqual([
        { type: "progress", data: { stage: "chunk", chunks: 3, charsTotal: 90 } },
      ]);
      const note = await heard;
      expect(note.jobId).toBe(id);
      const { rows } = await sql<{
        id: string;
      }>`SELECT id::text FROM job_events WHERE job_id = ${id}`.execute(ctx.db);
      expect(note.id).toBe(rows[0]!.id);
    } finally {
      await listener.end();
    }
  });

  it("writes nothing for a stale fence: another owner, an older attempt, another stage, or a job released", async () => {
    const id = await runningJob();
    for (const fence of [
      { id, workerId: "other", attempt: 2, stage: "chunk" },
      { id, workerId: "w", attempt: 1, stage: "chunk" },
      // The stage before, at the same attempt and owner: what a chained stage looks like to a
      // late write of the stage it followed.
      { id, workerId: "w", attempt: 2, stage: "parse" },
    ] as const) {
      expect(await reportProgress(ctx.db, fence, { chunks: 1 })).toBe(false);
    }
    // Released (queued again): the lease is gone with the running status.
    await sql`UPDATE jobs SET status = 'queued', lease_owner = NULL, lease_expires_at = NULL
              WHERE id = ${id}`.execute(ctx.db);
    expect(
      await reportProgress(ctx.db, { id, workerId: "w", attempt: 2, stage: "chunk" }, { chunks: 1 }),
    ).toBe(false);
    expect(await stateOf(id)).toEqual({ progress: {}, events: [] });
  });
});
