import { describe, expect, it } from "vitest";
import { AnnouncedWork } from "./announced-work.js";

const jobs = (...ids: string[]) => ids.map((id) => ({ id }));

/** A loop state whose last search (of `limit` 4) found the queue empty. */
function drained(): AnnouncedWork {
  const work = new AnnouncedWork();
  expect(work.next(4)).toBeNull();
  work.searched([], 4);
  return work;
}

describe("announced work", () => {
  it("searches first: nothing is known of the queue before a search", () => {
    const work = new AnnouncedWork();
    work.announce(["a"]);
    expect(work.next(4)).toBeNull();
  });

  it("claims by id what was announced after the queue drained, when it fits", () => {
    const work = drained();
    work.announce(["a"]);
    work.announce(["b", "c"]);
    expect(work.next(4)).toEqual(["a", "b", "c"]);
    work.claimedById(jobs("a", "b", "c"), ["a", "b", "c"]);
    expect(work.pending).toBe(false);
    // Still drained: the next announcement is taken by id too.
    work.announce(["d"]);
    expect(work.next(1)).toEqual(["d"]);
  });

  it("searches when more were announced than slots are free", () => {
    const work = drained();
    work.announce(["a", "b", "c"]);
    expect(work.next(2)).toBeNull();
  });

  it("searches after a notice that names no jobs", () => {
    const work = drained();
    work.announce(["a"]);
    work.announce([]);
    work.announce(["b"]);
    expect(work.next(4)).toBeNull();
  });

  it("searches when the last search filled every slot: work may be waiting", () => {
    const work = new AnnouncedWork();
    work.next(2);
    work.searched(jobs("x", "y"), 2);
    work.announce(["a"]);
    expect(work.next(2)).toBeNull();
  });

  it("searches after announcements it had to drop for want of a slot, so the older go first", () => {
    const work = drained();
    work.announce(["older"]);
    expect(work.next(0)).toBeNull();
    // A slot frees and a newer job is announced before the loop claims: by id it would take the
    // newer one and leave the older queued.
    work.announce(["newer"]);
    expect(work.next(1)).toBeNull();
  });

  it("searches next when a claim by id took fewer than it asked for", () => {
    const work = drained();
    work.announce(["a", "capped"]);
    const asked = work.next(4)!;
    work.claimedById(jobs("a"), asked);
    expect(work.pending).toBe(true);
    expect(work.next(4)).toBeNull();
  });

  it("searches after a failed claim", () => {
    const work = drained();
    work.failed();
    work.announce(["a"]);
    expect(work.next(4)).toBeNull();
  });

  it("forgets an announcement whose job the claim in flight took", () => {
    const work = new AnnouncedWork();
    expect(work.next(4)).toBeNull();
    // Announced while the search ran, and taken by it.
    work.announce(["a"]);
    work.searched(jobs("a"), 4);
    expect(work.pending).toBe(false);
    expect(work.next(4)).toBeNull();
  });
});
