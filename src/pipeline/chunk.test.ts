import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Chunk, chunkText } from "./chunk.js";
import { estimateTokens } from "./chunk-boundaries.js";
import { collect, stringsIn } from "./testing/streams.js";

const chunksOf = (text: string, size: number, overlap: number, pieceSize = 17) =>
  collect(chunkText(stringsIn(text, pieceSize), { size, overlap }));

function checkInvariants(text: string, chunks: Chunk[], size: number, overlap: number): void {
  if (text.length === 0) {
    expect(chunks).toEqual([]);
    return;
  }
  expect(chunks[0]?.start).toBe(0);
  expect(chunks.at(-1)?.end).toBe(text.length);
  chunks.forEach((chunk, i) => {
    expect(chunk.seq).toBe(i);
    expect(chunk.text).toBe(text.slice(chunk.start, chunk.end));
    expect(chunk.end - chunk.start).toBeGreaterThan(0);
    expect(chunk.end - chunk.start).toBeLessThanOrEqual(size);
    const previous = chunks[i - 1];
    if (previous) {
      expect(chunk.start).toBeGreaterThan(previous.start);
      expect(chunk.start).toBeLessThanOrEqual(previous.end);
      expect(previous.end - chunk.start).toBeLessThanOrEqual(overlap);
    }
  });
}

const structuredText = fc
  .array(
    fc.oneof(
      fc.constantFrom("# Title\n", "## Part\n", "\n\n", "\n", ". ", "! ", " ", "word", "éß", "😀", "\t"),
      fc.string({ maxLength: 30 }),
      fc.string({ unit: "grapheme", maxLength: 10 }),
    ),
    { maxLength: 120 },
  )
  .map((parts) => parts.join(""));

describe("chunkText", () => {
  it("yields exact, bounded, covering, overlap-limited slices (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        structuredText,
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 0, max: 79 }),
        fc.integer({ min: 1, max: 50 }),
        async (text, size, overlapSeed, pieceSize) => {
          const overlap = overlapSeed % size;
          const chunks = await chunksOf(text, size, overlap, pieceSize);
          checkInvariants(text, chunks, size, overlap);
          expect(await chunksOf(text, size, overlap, 4096)).toEqual(chunks);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("cuts before headings, then at paragraph breaks, then at sentence ends", async () => {
    const text =
      "# One\nalpha beta gamma.\n\n# Two\ndelta epsilon.\n\nzeta eta theta iota kappa. Lambda mu nu xi.";
    const chunks = await chunksOf(text, 40, 0);
    expect(chunks.map((c) => c.text)).toEqual([
      "# One\nalpha beta gamma.\n\n",
      "# Two\ndelta epsilon.\n\n",
      "zeta eta theta iota kappa. ",
      "Lambda mu nu xi.",
    ]);
  });

  it("starts an overlapping chunk at a word boundary", async () => {
    const text = "aaaa bbbb cccc dddd eeee ffff gggg hhhh";
    const chunks = await chunksOf(text, 20, 8);
    expect(chunks.map((c) => c.text)).toEqual(["aaaa bbbb cccc dddd ", "dddd eeee ffff gggg ", "gggg hhhh"]);
  });

  it("cuts a long unbroken run hard without splitting a surrogate pair", async () => {
    const text = "😀".repeat(10);
    const chunks = await chunksOf(text, 5, 0, 3);
    expect(chunks.every((c) => !/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(c.text))).toBe(true);
    checkInvariants(text, chunks, 5, 0);
  });

  it("assigns each chunk the page that holds its start", async () => {
    const text = `${"a".repeat(50)}\n\n${"b".repeat(50)}`;
    const pages = [
      { page: 1, start: 0, end: 50 },
      { page: 2, start: 52, end: 102 },
    ];
    const chunks = await collect(chunkText(stringsIn(text, 9), { size: 30, overlap: 0, pages }));
    expect(chunks.map((c) => [c.start, c.pageStart])).toEqual([
      [0, 1],
      [30, 1],
      [52, 2],
      [82, 2],
    ]);
    const noPages = await chunksOf(text, 30, 0);
    expect(noPages.every((c) => c.pageStart === null && c.pageEnd === null)).toBe(true);
  });

  it("holds a bounded window while chunking a long stream", async () => {
    const sentence = "The quick brown fox jumps over the lazy dog. ";
    async function* endlessText() {
      for (let i = 0; i < 200_000; i++) yield sentence;
    }
    let count = 0;
    let lastEnd = 0;
    const before = process.memoryUsage().heapUsed;
    let peak = 0;
    for await (const chunk of chunkText(endlessText(), { size: 1000, overlap: 100 })) {
      count += 1;
      lastEnd = chunk.end;
      if (count % 500 === 0) peak = Math.max(peak, process.memoryUsage().heapUsed);
    }
    expect(lastEnd).toBe(sentence.length * 200_000);
    expect(count).toBeGreaterThan(9000);
    // Holding the 9 MB text measured ~15 MiB of heap; the window measured ~3 MiB.
    expect(peak - before).toBeLessThan(8 * 1024 * 1024);
  });

  it("rejects invalid options with a clear message", async () => {
    await expect(chunksOf("x", 0, 0)).rejects.toThrow(/size must be a positive integer/);
    await expect(chunksOf("x", 10, 10)).rejects.toThrow(
      "chunk overlap (10) must be smaller than chunk size (10)",
    );
    await expect(chunksOf("x", 10, -1)).rejects.toThrow(/non-negative/);
  });

  it("estimates tokens from word-ish pieces", () => {
    expect(estimateTokens("Hello, world!")).toBe(4);
    expect(estimateTokens("internationalization")).toBe(4);
    expect(estimateTokens("日本語")).toBe(3);
    expect(estimateTokens("")).toBe(0);
  });
});
