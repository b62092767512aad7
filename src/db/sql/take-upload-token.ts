import { sql } from "kysely";
import type { Db } from "../database.js";

export interface UploadTokenAnswer {
  /** True when a token was taken (the upload may go ahead). */
  taken: boolean;
  /** Tokens left after this call (taken), or what the bucket holds now (refused). */
  tokens: number;
}

/**
 * Takes one token from the tenant's upload bucket, which holds at most `perMinute` tokens and
 * refills at `perMinute` a minute. One statement: INSERT … ON CONFLICT DO UPDATE locks the
 * tenant's row and computes from its newest version, so creates on every instance
 * serialize on the row and never take a token twice (a read-then-write would, across
 * processes). A refusal writes the row too (the refill so far, `last_taken` false), which
 * lets RETURNING report the bucket as found under the lock. The refill uses the database's clock; `greatest` keeps a transaction whose now()
 * is older than the row's from moving time backwards.
 */
export async function takeUploadToken(
  db: Db,
  tenantId: string,
  perMinute: number,
): Promise<UploadTokenAnswer> {
  const refilled = sql`least(${perMinute}::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * ${perMinute}::float8 / 60)`;
  const { rows } = await sql<{ tokens: number; last_taken: boolean }>`
    INSERT INTO tenant_upload_buckets AS b (tenant_id, tokens, refilled_at, last_taken)
    VALUES (${tenantId}, ${perMinute}::float8 - 1, now(), true)
    ON CONFLICT (tenant_id) DO UPDATE
      SET tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
          last_taken = ${refilled} >= 1,
          refilled_at = greatest(b.refilled_at, now())
    RETURNING b.tokens, b.last_taken`.execute(db);
  const r = rows[0];
  return { taken: r?.last_taken ?? true, tokens: Number(r?.tokens ?? 0) };
}
