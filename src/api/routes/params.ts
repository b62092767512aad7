import { ApiError } from "../problem.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A path id that is not a uuid cannot name a job: 404, same as an unknown one. */
export function uuidParam(id: string): string {
  if (!UUID.test(id)) throw new ApiError(404, "not_found", "job not found");
  return id.toLowerCase();
}
