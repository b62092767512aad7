import { sql } from "kysely";
import type { Db } from "../../src/db/database.js";

/** Polls until no job is short of `done` (every 100 ms, bounded by `timeoutMs`). */
export async function waitUntil(
  db: Db,
  ids: string[],
  done: (row: { status: string; stage: string }) => boolean,
  timeoutMs: number,
): Promise<{ status: string; stage: string; error_code: string | null }[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { rows } = await sql<{ status: string; stage: string; error_code: string | null }>`
      SELECT status, stage, error_code FROM jobs WHERE id = ANY(${sql.val(ids)}::uuid[])`.execute(db);
    if (rows.length === ids.length && rows.every(done)) return rows;
    if (Date.now() > deadline) {
      const left = rows.filter((r) => !done(r)).map((r) => `${r.status}/${r.stage}`);
      throw new Error(`${left.length} jobs not done within ${timeoutMs} ms: ${left.slice(0, 5).join(" ")}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const terminal = (r: { status: string }) =>
  ["completed", "failed", "expired", "cancelled"].includes(r.status);
