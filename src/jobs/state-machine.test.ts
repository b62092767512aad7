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

  it("starts no event from completed, expired or cancelled, and only retry from failed", () => {
    for (const status of ["completed", "expired", "cancelled"] as const) {
      expect(Object.keys(EDGES).filter((e) => canApply(status, e as keyof typeof EDGES))).toEqual([]);
    }
    expect(
      Object.keys(EDGES)
        .filter((e) => canApply("failed", e as keyof typeof EDGES))
        .sort(),
    ).toEqual(["cancel", "retry"]);
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
    expect(TERMINAL_STATUSES.filter((s) => left.has(s))).toEqual(["failed"]);
  });
});
