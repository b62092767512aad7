import type { Db } from "../database.js";

/**
 * The highest upload `priority` a tenant may set: its own `max_priority` (migration 0009), or
 * `fallback` (INTAKE_MAX_PRIORITY) when it has none. One primary-key read.
 */
export async function findTenantMaxPriority(db: Db, tenantId: string, fallback: number): Promise<number> {
  const row = await db
    .selectFrom("tenants")
    .select("max_priority")
    .where("id", "=", tenantId)
    .executeTakeFirst();
  return row?.max_priority ?? fallback;
}
