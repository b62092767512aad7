import { describe, expect, it } from "vitest";
import {
  FROM_STATUSES,
  InvalidTransitionError,
  isTerminal,
  JOB_STAGES,
  JOB_STATUSES,
  type JobEvent,
  nextStage,
  transition,
} from "./state-machine.js";

const events: JobEvent[] = [
  { type: "upload_verified" },
  { type: "upload_expired" },
  { type: "cancel" },
  { type: "claim" },
  { type: "stage_succeeded" },
  { type: "stage_failed", retryable: true, attemptsLeft: true },
  { type: "stage_failed", retryable: true, attemptsLeft: false },
  { type: "stage_failed", retryable: false, attemptsLeft: true },
  { type: "lease_expired" },
  { type: "released" },
  { type: "retry" },
];

describe("transition", () => {
  it("walks an upload through every stage to completed", () => {
    let s = transition({ status: "awaiting_upload", stage: "parse" }, { type: "upload_verified" });
    const seen: string[] = [`${s.status}:${s.stage}`];
    while (s.status !== "completed") {
      s = transition(s, { type: "claim" });
      s = transition(s, { type: "stage_succeeded" });
      seen.push(`${s.status}:${s.stage}`);
    }
    expect(seen).toEqual(["queued:parse", "queued:chunk", "queued:embed", "completed:embed"]);
  });

  it("retries a retryable failure with attempts left at the same stage", () => {
    expect(
      transition(
        { status: "running", stage: "chunk" },
        { type: "stage_failed", retryable: true, attemptsLeft: true },
      ),
    ).toEqual({ status: "queued", stage: "chunk" });
  });

  it("fails permanently on a permanent error or when attempts are spent", () => {
    for (const e of [
      { type: "stage_failed", retryable: false, attemptsLeft: true },
      { type: "stage_failed", retryable: true, attemptsLeft: false },
    ] as const) {
      expect(transition({ status: "running", stage: "embed" }, e)).toEqual({
        status: "failed",
        stage: "embed",
      });
    }
  });

  it("resumes a failed job at its failed stage", () => {
    expect(transition({ status: "failed", stage: "chunk" }, { type: "retry" })).toEqual({
      status: "queued",
      stage: "chunk",
    });
  });

  it("returns an expired lease or a released job to the queue", () => {
    for (const type of ["lease_expired", "released"] as const) {
      expect(transition({ status: "running", stage: "parse" }, { type })).toEqual({
        status: "queued",
        stage: "parse",
      });
    }
  });

  it("accepts exactly the edges FROM_STATUSES lists, for every status and event", () => {
    for (const status of JOB_STATUSES) {
      for (const event of events) {
        const allowed = FROM_STATUSES[event.type].includes(status);
        const attempt = () => transition({ status, stage: "parse" }, event);
        if (allowed) expect(attempt).not.toThrow();
        else expect(attempt).toThrow(InvalidTransitionError);
      }
    }
  });

  it("never leaves a terminal status except failed through retry", () => {
    for (const status of JOB_STATUSES.filter(isTerminal)) {
      const exits = events.filter((e) => FROM_STATUSES[e.type].includes(status)).map((e) => e.type);
      expect(exits).toEqual(status === "failed" ? ["cancel", "retry"] : []);
    }
  });
});

describe("nextStage", () => {
  it("orders parse, chunk, embed and ends after embed", () => {
    expect(JOB_STAGES.map(nextStage)).toEqual(["chunk", "embed", null]);
  });
});
