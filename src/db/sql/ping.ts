import { sql } from "kysely";
import type { Db } from "../database.js";

/** `SELECT 1`, for readiness: does Postgres answer within `timeoutMs`? */
export async function ping(db: Db, timeoutMs: number): Promise<{ ok: true } | { ok: false; error: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      sql`SELECT 1`.execute(db),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error("timed out")), timeoutMs);
      }),
    ]);
    return { ok: true };
  } catch (err) {
    return { ok: false, error: (err as Error).message || (err as Error).name };
  } finally {
    clearTimeout(timer);
  }
}
