import { apiRequest } from "./http.js";
import type { ClientOptions, Job, JobStatus } from "./types.js";

export interface JobFilters {
  status?: JobStatus;
  stage?: Job["stage"];
  errorCode?: string;
  cursor?: string;
  limit?: number;
}

/** One page of the tenant's jobs, newest first; pass `nextCursor` back for the next. */
export function listJobs(client: ClientOptions, filters: JobFilters = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) if (v !== undefined && v !== "") q.set(k, String(v));
  const qs = q.size > 0 ? `?${q}` : "";
  return apiRequest<{ jobs: Job[]; nextCursor: string | null }>(client, "GET", `/v1/jobs${qs}`);
}

const jobPath = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

/** Resumes a failed job at the stage it failed in. */
export const retryJob = (client: ClientOptions, id: string) =>
  apiRequest<Job>(client, "POST", `${jobPath(id)}/retry`);

/** Cancels a job that has not finished. */
export const cancelJob = (client: ClientOptions, id: string) =>
  apiRequest<Job>(client, "POST", `${jobPath(id)}/cancel`);

/** One page of a job's events (JSON, not SSE), with the job as it is now. */
export function listJobEvents(
  client: ClientOptions,
  id: string,
  opts: { after?: number; limit?: number } = {},
) {
  const q = new URLSearchParams({ after: String(opts.after ?? 0), limit: String(opts.limit ?? 1000) });
  return apiRequest<{
    job: Job;
    events: { id: number; type: string; data: Record<string, unknown>; createdAt: string }[];
    nextAfter: number;
  }>(client, "GET", `${jobPath(id)}/events?${q}`);
}

export interface Chunk {
  seq: number;
  text: string;
  start: number;
  end: number;
  pageStart: number | null;
  pageEnd: number | null;
  headingPath: string[];
  tokenCount: number;
}

/** One page of a completed job's chunks, after chunk `after` (-1: from the start). */
export function listChunks(client: ClientOptions, id: string, opts: { after?: number; limit?: number } = {}) {
  const q = new URLSearchParams({ after: String(opts.after ?? -1), limit: String(opts.limit ?? 100) });
  return apiRequest<{ chunks: Chunk[]; nextAfter: number | null }>(
    client,
    "GET",
    `${jobPath(id)}/chunks?${q}`,
  );
}
