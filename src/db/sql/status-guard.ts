import { type RawBuilder, sql } from "kysely";
import { EDGES, type JobEventType } from "../job-states.js";

/**
 * `(status literals)` of the statuses `event` may start from, for a WHERE `status IN …`.
 * Literals rather than parameters: the planner matches them against partial indexes
 * (`jobs_claimable_by_tenant` is `WHERE status = 'queued'`).
 */
export function statusIn(event: JobEventType): RawBuilder<unknown> {
  return sql`(${sql.join(EDGES[event].from.map((s) => sql.lit(s)))})`;
}
