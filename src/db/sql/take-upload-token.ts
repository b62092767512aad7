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
 * tenant's row and evaluates its WHERE on the newest version, so creates on every instance
 * serialize on the row and never take a token twice (a read-then-write would, across
 * processes). The refill uses the database's clock; `greatest` keeps a transaction whose now()
 * is older than the row's from moving time backwards.
 */
export async function takeUploadToken(
  db: Db,
  tenantId: string,
  perMinute: number,
): Promise<UploadTokenAnswer> {
  const refilled = sql`least(${perMinute}::float8, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * ${perMinute}::float8 / 60)`;
  const { rows } = await sql<{ tokens: number | null; now_tokens: number | null }>`
    WITH taken AS (
      INSERT INTO tenant_upload_buckets AS b (tenant_id, tokens, refilled_at)
      VALUES (${tenantId}, ${perMinute}::float8 - 1, now())
      ON CONFLICT (tenant_id) DO UPDATE
        SET tokens = ${refilled} - 1, refilled_at = greatest(b.refilled_at, now())
        WHERE ${refilled} >= 1
      RETURNING b.tokens
    )
    SELECT (SELECT tokens FROM taken) AS tokens,
           (SELECT ${refilled} FROM tenant_upload_buckets b WHERE b.tenant_id = ${tenantId}) AS now_tokens`.execute(
    db,
  );
  const r = rows[0];
  if (r?.tokens !== null && r?.tokens !== undefined) return { taken: true, tokens: Number(r.tokens) };
  return { taken: false, tokens: Math.max(0, Number(r?.now_tokens ?? 0)) };
}
