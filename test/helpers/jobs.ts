import pg from "pg";
import type { Db } from "../../src/db/database.js";
import type { JobRow } from "../../src/db/schema.js";
import { EVENTS_CHANNEL } from "../../src/db/sql/job-events.js";
import type { JobStatus } from "../../src/jobs/state-machine.js";

/**
 * Resolves when every job in `ids` has one of `statuses`. It re-reads the rows each time a job
 * event is NOTIFYed (and on a slow backstop tick), so the test waits on Postgres, not a timer.
 */
export async function waitForJobs(
  db: Db,
  databaseUrl: string,
  ids: string[],
  until: JobStatus[] | ((job: JobRow) => boolean) = ["completed", "failed", "cancelled", "expired"],
  timeoutMs = 60_000,
): Promise<JobRow[]> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  await client.query(`LISTEN ${EVENTS_CHANNEL}`);
  const deadline = Date.now() + timeoutMs;
  try {
    for (;;) {
      const rows = await db.selectFrom("jobs").selectAll().where("id", "in", ids).execute();
      const done = typeof until === "function" ? until : (r: JobRow) => until.includes(r.status);
      if (rows.length === ids.length && rows.every(done)) return rows;
      if (Date.now() > deadline) {
        const summary = rows.map((r) => `${r.id.slice(0, 8)}:${r.status}/${r.stage}`).join(" ");
        throw new Error(`jobs did not reach the awaited state within ${timeoutMs} ms: ${summary}`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 1000);
        client.once("notification", () => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  } finally {
    await client.end();
  }
}
