import { describe, expect, it } from "vitest";
import {
  canApply,
  EDGES,
  isTerminal,
  JOB_STAGES,
  JOB_STATUSES,
  nextStage,
  TERMINAL_STATUSES,
} from "./state-machine.js";

describe("state machine", () => {
  it("orders the stages parse → chunk → embed", () => {
    expect(JOB_STAGES.map(nextStage)).toEqual(["chunk", "embed", null]);
  });

  it("lets a finished job only be deleted or reprocessed (failed: also retried or cancelled), and a deleted one nothing", () => {
    const from = (status: (typeof JOB_STATUSES)[number]) =>
      Object.keys(EDGES)
        .filter((e) => canApply(status, e as keyof typeof EDGES))
        .sort();
    expect(from("expired")).toEqual(["delete"]);
    expect(from("cancelled")).toEqual(["delete"]);
    expect(from("completed")).toEqual(["delete", "reprocess"]);
    expect(from("failed")).toEqual(["cancel", "delete", "reprocess", "retry"]);
    expect(from("deleted")).toEqual([]);
  });

  it("names only real statuses, and every status is reachable and left or terminal", () => {
    const reached = new Set(Object.values(EDGES).flatMap((e) => e.to));
    const left = new Set(Object.values(EDGES).flatMap((e) => e.from));
    for (const edge of Object.values(EDGES)) {
      for (const s of [...edge.from, ...edge.to]) expect(JOB_STATUSES).toContain(s);
    }
    for (const status of JOB_STATUSES) {
      if (status !== "awaiting_upload") expect(reached.has(status)).toBe(true);
      expect(left.has(status) || isTerminal(status)).toBe(true);
    }
    // Terminal statuses are left only by a client's request: delete, reprocess, retry.
    expect(TERMINAL_STATUSES.filter((s) => left.has(s))).toEqual([
      "completed",
      "failed",
      "expired",
      "cancelled",
    ]);
  });
});
