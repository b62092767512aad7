// The statuses and stages a job row can hold: the vocabulary of the SQL layer (the CHECK
// constraints of the jobs table), which the state machine and everything above it use.

export const JOB_STATUSES = [
  "awaiting_upload",
  "queued",
  "running",
  "completed",
  "failed",
  "expired",
  "cancelled",
] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export const JOB_STAGES = ["parse", "chunk", "embed"] as const;
export type JobStage = (typeof JOB_STAGES)[number];
