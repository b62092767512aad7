import { describe, expect, it } from "vitest";
import { AnnouncedWork } from "./announced-work.js";

const jobs = (...ids: string[]) => ids.map((id) => ({ id }));
const STAGES = ["parse", "chunk"];
const POLL = 2000;

/** A loop state whose last search (of `limit` 4 over STAGES, at t=0) found the queue empty. */
function drained(): AnnouncedWork {
  const work = new AnnouncedWork(POLL);
  expect(work.next(4, STAGES, 0)).toBe("search");
  work.searched([], 4, STAGES, 0);
  return work;
}

describe("announced work", () => {
  it("searches first: nothing is known of the queue before a search", () => {
    const work = new AnnouncedWork(POLL);
    work.announce(["a"]);
    expect(work.next(4, STAGES, 0)).toBe("search");
  });

  it("claims by id what was announced after the queue drained, when it fits", () => {
    const work = drained();
    work.announce(["a"]);
    work.announce(["b", "c"]);
    expect(work.next(4, STAGES, 10)).toEqual(["a", "b", "c"]);
    work.claimedById(jobs("a", "b", "c"), ["a", "b", "c"]);
    expect(work.pending).toBe(false);
    // Still drained: the next announcement is taken by id too.
    work.announce(["d"]);
    expect(work.next(1, STAGES, 20)).toEqual(["d"]);
  });

  it("searches when more were announced than slots are free", () => {
    const work = drained();
    work.announce(["a", "b", "c"]);
    expect(work.next(2, STAGES, 10)).toBe("search");
  });

  it("searches after a notice that names no jobs", () => {
    const work = drained();
    work.announce(["a"]);
    work.announce([]);
    work.announce(["b"]);
    expect(work.next(4, STAGES, 10)).toBe("search");
  });

  it("searches when the last search filled every slot: work may be waiting", () => {
    const work = new AnnouncedWork(POLL);
    work.next(2, STAGES, 0);
    work.searched(jobs("x", "y"), 2, STAGES, 0);
    work.announce(["a"]);
    expect(work.next(2, STAGES, 10)).toBe("search");
  });

  it("searches after announcements it had to drop for want of a slot, so the older go first", () => {
    const work = drained();
    work.announce(["older"]);
    expect(work.next(0, STAGES, 10)).toBe("idle");
    // A slot frees and a newer job is announced before the loop claims: by id it would take the
    // newer one and leave the older queued.
    work.announce(["newer"]);
    expect(work.next(1, STAGES, 20)).toBe("search");
  });

  it("searches next when a claim by id took fewer than it asked for", () => {
    const work = drained();
    work.announce(["a", "capped"]);
    const asked = work.next(4, STAGES, 10) as string[];
    work.claimedById(jobs("a"), asked);
    expect(work.pending).toBe(true);
    expect(work.next(4, STAGES, 20)).toBe("search");
  });

  it("searches after a failed claim", () => {
    const work = drained();
    work.failed();
    work.announce(["a"]);
    expect(work.next(4, STAGES, 10)).toBe("search");
  });

  it("forgets an announcement whose job the claim in flight took", () => {
    const work = new AnnouncedWork(POLL);
    expect(work.next(4, STAGES, 0)).toBe("search");
    // Announced while the search ran, and taken by it.
    work.announce(["a"]);
    work.searched(jobs("a"), 4, STAGES, 0);
    expect(work.pending).toBe(false);
    // Nothing left to claim: the search that took it came back short.
    expect(work.next(4, STAGES, 10)).toBe("idle");
  });

  it("searches when the stages differ from the drained search's (a dependency came back)", () => {
    const work = new AnnouncedWork(POLL);
    work.next(4, ["parse"], 0);
    // Only parse was searched: chunk's dependency was open. Its backlog was not looked at.
    work.searched([], 4, ["parse"], 0);
    work.announce(["a"]);
    expect(work.next(4, ["parse", "chunk"], 10)).toBe("search");
  });

  it("searches once the last search is a poll interval old, however many claims by id came between", () => {
    const work = drained();
    work.announce(["a"]);
    expect(work.next(4, STAGES, POLL - 1)).toEqual(["a"]);
    work.claimedById(jobs("a"), ["a"]);
    work.announce(["b"]);
    expect(work.next(4, STAGES, POLL)).toBe("search");
  });

  it("claims nothing when a slot frees with nothing announced since the queue drained", () => {
    const work = drained();
    expect(work.next(4, STAGES, 10)).toBe("idle");
    // Once the drained search is a poll interval old, a freed slot searches again.
    expect(work.next(4, STAGES, POLL)).toBe("search");
  });

  it("sleeps no longer than until the next search is due", () => {
    const work = drained();
    expect(work.sleepMs(500)).toBe(POLL - 500);
    expect(work.sleepMs(POLL + 1)).toBe(0);
    // With no short search to count from, the whole poll interval.
    expect(new AnnouncedWork(POLL).sleepMs(123)).toBe(POLL);
  });

  it("always searches when disabled (every tenant capped by the process default)", () => {
    const work = new AnnouncedWork(POLL, false);
    work.next(4, STAGES, 0);
    work.searched([], 4, STAGES, 0);
    work.announce(["a"]);
    expect(work.next(4, STAGES, 10)).toBe("search");
  });
});
