import type { Job } from "../client/index.js";

/** A `released` event: a worker gave the job back without failing it (a dependency down, a shutdown). */
export interface Release {
  reason: string;
  at: string;
}

/**
 * Why a job is not moving, in words, from what the API knows: when it may next be claimed
 * (`runAfter`), how many attempts it spent, its last error, and the reason of its latest
 * release. The workers' circuit breakers live in the worker processes; a job held back by an
 * open breaker shows up here as a release whose reason names the dependency.
 */
export function explainWaiting(job: Job, lastRelease: Release | null, now = Date.now()): string[] {
  const lines: string[] = [];
  const maxAttempts = job.maxAttempts ?? null;
  if (job.status === "queued") {
    const runAfter = job.runAfter ? Date.parse(job.runAfter) : Number.NaN;
    lines.push(
      runAfter > now
        ? `waits until ${new Date(runAfter).toISOString()} (in ${Math.ceil((runAfter - now) / 1000)} s)`
        : `queued for ${job.stage}: waiting for a free ${job.stage} worker`,
    );
  }
  if (job.attempt > 0) lines.push(`attempt ${job.attempt}${maxAttempts ? ` of ${maxAttempts}` : ""}`);
  if (lastRelease) lines.push(`released at ${lastRelease.at}: ${lastRelease.reason}`);
  if (job.error) lines.push(`${job.error.code}: ${job.error.message ?? ""}`.trim());
  return lines;
}

/** The latest `released` event among a job's events, or null. */
export function lastRelease(events: { type: string; data: Record<string, unknown>; createdAt: string }[]) {
  const e = events.findLast((x) => x.type === "released");
  return e ? { reason: String(e.data.reason ?? "released"), at: e.createdAt } : null;
}
