import { type RawBuilder, sql } from "kysely";

/**
 * The database's clock, for every timestamp intake stores. The claim compares `run_after` with
 * Postgres's now(); a timestamp from a Node process whose clock runs ahead would delay a job
 * until the backstop poll, so no row takes its time from Node.
 */
export const now = (): RawBuilder<Date> => sql<Date>`now()`;
