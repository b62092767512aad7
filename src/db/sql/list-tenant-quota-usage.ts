import { sql } from "kysely";
import type { Db } from "../database.js";

export interface TenantQuotaUsage {
  tenant: string;
  bytes: number;
  documents: number;
  streams: number;
  /** The upload bucket's tokens when last taken from, and the seconds since (null: no bucket yet). */
  bucketTokens: number | null;
  bucketAgeSeconds: number | null;
  uploadsPerMinute: number | null;
  maxBytes: number | null;
  maxDocuments: number | null;
  maxStreams: number | null;
}

/**
 * Usage and overrides of the tenants that have either, for `/metrics` (and `intake tenants
 * show` with `tenant`). At most `limit` tenants, the largest by bytes first, so the per-tenant
 * gauges stay bounded however many tenants there are. Reads one row per tenant from the
 * counters and the overrides, plus the live SSE slots by primary-key prefix.
 */
export async function listTenantQuotaUsage(
  db: Db,
  opts: { limit: number; tenant?: string },
): Promise<TenantQuotaUsage[]> {
  const only = opts.tenant === undefined ? sql`` : sql`WHERE t.tenant_id = ${opts.tenant}`;
  const { rows } = await sql<Record<string, string | number | null>>`
    SELECT t.tenant_id AS tenant,
           coalesce(u.bytes, 0) AS bytes, coalesce(u.documents, 0) AS documents,
           (SELECT count(*) FROM sse_stream_slots s
             WHERE s.tenant_id = t.tenant_id AND s.expires_at > now()) AS streams,
           b.tokens AS tokens,
           extract(epoch FROM now() - b.refilled_at)::float8 AS elapsed,
           l.uploads_per_minute, l.max_bytes, l.max_documents, l.max_streams
      FROM (SELECT tenant_id FROM tenant_usage UNION SELECT tenant_id FROM tenant_limits) t
      LEFT JOIN tenant_usage u ON u.tenant_id = t.tenant_id
      LEFT JOIN tenant_limits l ON l.tenant_id = t.tenant_id
      LEFT JOIN tenant_upload_buckets b ON b.tenant_id = t.tenant_id
      ${only}
     ORDER BY coalesce(u.bytes, 0) DESC, t.tenant_id
     LIMIT ${opts.limit}`.execute(db);
  const num = (v: unknown) => (v === null || v === undefined ? null : Number(v));
  return rows.map((r) => ({
    tenant: String(r.tenant),
    bytes: Number(r.bytes ?? 0),
    documents: Number(r.documents ?? 0),
    streams: Number(r.streams ?? 0),
    bucketTokens: num(r.tokens),
    bucketAgeSeconds: num(r.elapsed),
    uploadsPerMinute: num(r.uploads_per_minute),
    maxBytes: num(r.max_bytes),
    maxDocuments: num(r.max_documents),
    maxStreams: num(r.max_streams),
  }));
}
