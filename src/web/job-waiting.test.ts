import { describe, expect, it } from "vitest";
import type { Job } from "../client/index.js";
import { explainWaiting, lastRelease } from "./job-waiting.js";

const NOW = Date.parse("2026-01-01T00:00:00Z");
const job = (over: Partial<Job>): Job =>
  ({
    id: "j",
    status: "queued",
    stage: "embed",
    filename: "a.txt",
    contentType: "text/plain",
    size: 1,
    sha256: null,
    attempt: 0,
    progress: null,
    warnings: [],
    error: null,
    maxAttempts: 5,
    runAfter: null,
    ...over,
  }) as Job;

describe("explainWaiting", () => {
  it("says until when a held-back job waits, its attempts and its last release", () => {
    const release = { reason: "storage unavailable", at: "2025-12-31T23:59:00.000Z" };
    expect(explainWaiting(job({ attempt: 2, runAfter: "2026-01-01T00:01:00Z" }), release, NOW)).toEqual([
      "waits until 2026-01-01T00:01:00.000Z (in 60 s)",
      "attempt 2 of 5",
      "released at 2025-12-31T23:59:00.000Z: storage unavailable",
    ]);
  });

  it("a due queued job waits for a worker of its stage", () => {
    expect(explainWaiting(job({ runAfter: "2025-12-31T00:00:00Z" }), null, NOW)).toEqual([
      "queued for embed: waiting for a free embed worker",
    ]);
  });

  it("a failed job shows its attempts and error", () => {
    const failed = job({
      status: "failed",
      attempt: 5,
      error: { code: "embedder_error", message: "HTTP 500", stage: "embed", retryable: true },
    });
    expect(explainWaiting(failed, null, NOW)).toEqual(["attempt 5 of 5", "embedder_error: HTTP 500"]);
  });
});

describe("lastRelease", () => {
  it("is the latest released event, or null", () => {
    const at = (n: number) => `2026-01-01T00:00:0${n}Z`;
    expect(
      lastRelease([
        { type: "released", data: { reason: "first" }, createdAt: at(1) },
        { type: "claimed", data: {}, createdAt: at(2) },
        { type: "released", data: { reason: "second" }, createdAt: at(3) },
      ]),
    ).toEqual({ reason: "second", at: at(3) });
    expect(lastRelease([{ type: "claimed", data: {}, createdAt: at(1) }])).toBeNull();
  });
});
