import { apiRequest } from "./http.js";
import type { ClientOptions, Job } from "./types.js";

export type ReprocessStage = "parse" | "chunk" | "embed";

export interface ReprocessSettings {
  chunkSize?: number;
  chunkOverlap?: number;
  /** Needs an OpenAI-compatible embedder on the server. */
  embedderModel?: string;
}

const path = (id: string) => `/v1/jobs/${encodeURIComponent(id)}`;

/**
 * Deletes a job in any state with its upload and outputs (`DELETE /v1/jobs/{id}`); afterwards
 * the job reads as not found.
 *
 * @example
 * await deleteJob({ url, apiKey }, jobId);
 */
export async function deleteJob(client: ClientOptions, id: string): Promise<void> {
  await apiRequest<void>(client, "DELETE", path(id));
}

/**
 * Runs a completed or failed job again from `from`; its current outputs stay readable until
 * the new ones replace them.
 *
 * @example
 * await reprocessJob({ url, apiKey }, jobId, { from: "chunk", settings: { chunkSize: 800 } });
 */
export const reprocessJob = (
  client: ClientOptions,
  id: string,
  request: { from: ReprocessStage; settings?: ReprocessSettings },
) => apiRequest<Job>(client, "POST", `${path(id)}/reprocess`, request);

/** Replaces a job's metadata without reprocessing it. */
export const updateJobMetadata = (client: ClientOptions, id: string, metadata: Record<string, unknown>) =>
  apiRequest<Job>(client, "PATCH", path(id), { metadata });
