import { type RawBuilder, sql } from "kysely";
import { WORKER_JOB_COLUMNS } from "../schema.js";

/** `alias.col, …` for the columns of a WorkerJob, for a RETURNING that a worker reads. */
export function workerJobColumns(alias: string): RawBuilder<unknown> {
  return sql.join(WORKER_JOB_COLUMNS.map((c) => sql.ref(`${alias}.${c}`)));
}
