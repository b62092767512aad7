import { sql } from "kysely";
import type { Db } from "../database.js";
import { prepared } from "../prepared.js";

/**
 * The live key with this hash (its id, tenant and last use), or undefined for an unknown or
 * revoked one. Prepared: every API request runs it.
 */
export async function findApiKeyByHash(db: Db, keyHash: string) {
  const query = db
    .selectFrom("api_keys")
    .select(["id", "tenant_id", "last_used_at"])
    .where("key_hash", "=", keyHash)
    .where("revoked_at", "is", null);
  const { rows } = await prepared(
    sql<{ id: string; tenant_id: string; last_used_at: Date | null }>`${query}`,
  ).execute(db);
  return rows[0];
}
