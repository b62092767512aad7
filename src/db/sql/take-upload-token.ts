import { sql } from "kysely";
import type { Db } from "../database.js";
import type { TenantLimitOverrides } from "./find-tenant-limits.js";

export interface UploadTokenAnswer {
  /** The tenant's overrides (`findTenantLimits`), read in the same statement. */
  overrides: TenantLimitOverrides;
  /** The tenant's uploads per minute in effect: its override, else the default; 0 is unlimited. */
  perMinute: number;
  /** True when a token was taken (the upload may go ahead); always true when unlimited. */
  taken: boolean;
  /** Tokens left after this call (taken), or what the bucket holds now (refused). */
  tokens: number;
}

/**
 * Reads the tenant's limits and takes one token from its upload bucket, which holds at most
 * `perMinute` tokens and refills at `perMinute` a minute, in one statement (one round trip for
 * both). `perMinute` is the tenant's override, else `defaultPerMinute`; at 0 (unlimited) no
 * bucket is touched. INSERT … ON CONFLICT DO UPDATE locks the tenant's row and computes from its
 * newest version, so creates on every instance serialize on the row and never take a token
 * twice (a read-then-write would, across processes). A refusal writes the row too (the refill
 * so far, `last_taken` false), which lets RETURNING report the bucket as found under the lock.
 * The refill uses the database's clock; `greatest` keeps a transaction whose now() is older
 * than the row's from moving time backwards.
 */
export async function takeUploadToken(
  db: Db,
  tenantId: string,
  defaultPerMinute: number,
): Promise<UploadTokenAnswer> {
  const perMinute = sql`(SELECT per_minute FROM limits)`;
  const refilled = sql`least(${perMinute}, b.tokens + greatest(0, extract(epoch FROM now() - b.refilled_at)::float8) * ${perMinute} / 60)`;
  const { rows } = await sql<{
    uploads_per_minute: number | null;
    max_bytes: string | number | null;
    max_documents: number | null;
    max_streams: number | null;
    per_minute: number;
    tokens: number | null;
    last_taken: boolean | null;
  }>`
    WITH limits AS MATERIALIZED (
      SELECT tl.uploads_per_minute, tl.max_bytes, tl.max_documents, tl.max_streams,
             coalesce(tl.uploads_per_minute, ${defaultPerMinute}::int)::float8 AS per_minute
      FROM (SELECT 1) AS one LEFT JOIN tenant_limits tl ON tl.tenant_id = ${tenantId}
    ), taken AS (
      INSERT INTO tenant_upload_buckets AS b (tenant_id, tokens, refilled_at, last_taken)
      SELECT ${tenantId}, per_minute - 1, now(), true FROM limits WHERE per_minute > 0
      ON CONFLICT (tenant_id) DO UPDATE
        SET tokens = CASE WHEN ${refilled} >= 1 THEN ${refilled} - 1 ELSE ${refilled} END,
            last_taken = ${refilled} >= 1,
            refilled_at = greatest(b.refilled_at, now())
      RETURNING b.tokens, b.last_taken
    )
    SELECT limits.*, taken.tokens, taken.last_taken FROM limits LEFT JOIN taken ON true`.execute(db);
  const r = rows[0];
  return {
    overrides: {
      uploadsPerMinute: r?.uploads_per_minute ?? null,
      maxBytes: r?.max_bytes == null ? null : Number(r.max_bytes),
      maxDocuments: r?.max_documents ?? null,
      maxStreams: r?.max_streams ?? null,
    },
    perMinute: Number(r?.per_minute ?? defaultPerMinute),
    taken: r?.last_taken ?? true,
    tokens: Number(r?.tokens ?? 0),
  };
}
