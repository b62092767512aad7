import { describe, expect, it } from "vitest";
import { TextHandoff } from "./text-handoff.js";

describe("TextHandoff", () => {
  it("gives a text back once", () => {
    const h = new TextHandoff(100, 1000);
    h.offer("a", "hello");
    expect(h.take("a")).toBe("hello");
    expect(h.take("a")).toBeUndefined();
    expect(h.take("never")).toBeUndefined();
  });

  it("keeps nothing over the entry limit", () => {
    const h = new TextHandoff(10, 1000);
    h.offer("big", "x".repeat(11));
    expect(h.take("big")).toBeUndefined();
    h.offer("fits", "x".repeat(10));
    expect(h.take("fits")).toBe("x".repeat(10));
  });

  it("evicts the oldest texts to stay within the total", () => {
    const h = new TextHandoff(10, 25);
    h.offer("1", "a".repeat(10));
    h.offer("2", "b".repeat(10));
    h.offer("3", "c".repeat(10));
    expect(h.size).toBe(2);
    expect(h.take("1")).toBeUndefined();
    expect(h.take("2")).toBe("b".repeat(10));
    expect(h.take("3")).toBe("c".repeat(10));
    // Taken texts free their room.
    h.offer("4", "d".repeat(10));
    h.offer("5", "e".repeat(10));
    expect(h.size).toBe(2);
  });

  it("replaces a key offered twice without counting it twice", () => {
    const h = new TextHandoff(10, 20);
    h.offer("k", "a".repeat(10));
    h.offer("k", "b".repeat(10));
    h.offer("other", "c".repeat(10));
    expect(h.take("k")).toBe("b".repeat(10));
    expect(h.take("other")).toBe("c".repeat(10));
  });

  it("collects a text written in pieces, and lets go of one that outgrows an entry", () => {
    const h = new TextHandoff(10, 100);
    const small = h.collector();
    for (const piece of ["ab", "cd", "ef"]) small.add(piece);
    small.offerAs("small");
    expect(h.take("small")).toBe("abcdef");
    const large = h.collector();
    for (const piece of ["abcd", "efgh", "ijkl"]) large.add(piece);
    large.offerAs("large");
    expect(h.take("large")).toBeUndefined();
  });

  it("hands over what storage would give back: a lone surrogate becomes U+FFFD, as in UTF-8", () => {
    const h = new TextHandoff();
    const text = "a\ud800b\udc00c";
    h.offer("k", text);
    const fromStorage = new TextDecoder().decode(new TextEncoder().encode(text));
    expect(h.take("k")).toBe(fromStorage);
  });
});
