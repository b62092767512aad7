import type { JobEvent, JobStatus } from "./types.js";

export const STAGES = ["parse", "chunk", "embed"] as const;
export type StageState = "pending" | "queued" | "running" | "done" | "failed";
export type StageView = {
  status: JobStatus | "uploading";
  stages: Record<(typeof STAGES)[number], StageState>;
};

export const initialStages = (): StageView["stages"] => ({
  parse: "pending",
  chunk: "pending",
  embed: "pending",
});

/**
 * Folds one job event into a per-stage view for progress displays. Works for streamed events
 * (`stage_completed`, `progress`, `failed`, …) and for polled snapshots that carry the job.
 */
export function applyJobEvent(view: StageView, event: JobEvent): StageView {
  const stages = { ...view.stages };
  const index = (s: unknown) => STAGES.indexOf(s as (typeof STAGES)[number]);
  const mark = (upTo: number, state: StageState) => {
    STAGES.forEach((s, i) => {
      if (i < upTo) stages[s] = "done";
      else if (i === upTo) stages[s] = state;
    });
  };
  const job = event.job;
  if (job) {
    const i = index(job.stage);
    if (job.status === "completed") mark(STAGES.length, "done");
    else if (job.status === "running") mark(i, "running");
    else if (job.status === "queued") mark(i, "queued");
    else if (job.status === "failed") mark(i, "failed");
    return { status: job.status, stages };
  }
  const d = event.data;
  const i = index(d.stage);
  switch (event.type) {
    case "uploaded":
      mark(0, "queued");
      return { status: "queued", stages };
    case "progress":
      if (i >= 0) mark(i, "running");
      return { status: "running", stages };
    case "stage_completed":
      if (i >= 0) mark(i + 1, "queued");
      // After the last stage the job is finishing, not waiting for another worker.
      return { status: i === STAGES.length - 1 ? "running" : "queued", stages };
    case "completed":
      mark(STAGES.length, "done");
      return { status: "completed", stages };
    case "failed":
      if (i >= 0) mark(i, "failed");
      return { status: "failed", stages };
    case "cancelled":
    case "expired":
      return { status: event.type, stages };
    default:
      return { ...view, stages };
  }
}
