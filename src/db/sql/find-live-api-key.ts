import type { Db } from "../database.js";

/**
 * The tenant of a key that is not revoked, by id, or null: how a token minted with a key
 * (upload token, SSE access token) checks on every use that its key still stands.
 */
export async function findLiveApiKey(db: Db, id: string): Promise<string | null> {
  const row = await db
    .selectFrom("api_keys")
    .select("tenant_id")
    .where("id", "=", id)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return row?.tenant_id ?? null;
}
