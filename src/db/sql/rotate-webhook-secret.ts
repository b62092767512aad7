import { sql } from "kysely";
import type { Db } from "../database.js";
import type { WebhookEndpointRow } from "../schema.js";

/**
 * Replaces an endpoint's secret; the one it replaces keeps signing (beside the new one) for
 * `graceSeconds`, so a receiver can deploy the new secret without rejecting messages.
 */
export async function rotateWebhookSecret(
  db: Db,
  tenantId: string,
  id: string,
  secret: string,
  graceSeconds: number,
): Promise<WebhookEndpointRow | undefined> {
  const { rows } = await sql<WebhookEndpointRow>`
    UPDATE webhook_endpoints SET
      previous_secret = secret,
      previous_secret_expires_at = now() + make_interval(secs => ${graceSeconds}),
      secret = ${secret},
      updated_at = now()
    WHERE id = ${id} AND tenant_id = ${tenantId}
    RETURNING *`.execute(db);
  return rows[0];
}
