import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { loadTokenCounter } from "./chunk/tokens.js";
import { type ChunkOptions, chunkText } from "./chunk.js";
import { collect, stringsIn } from "./testing/streams.js";

const chunk = (text: string, options: ChunkOptions, pieceSize = 29) =>
  collect(chunkText(stringsIn(text, pieceSize), options));

const prose = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        "# Title\n",
        "\n\n",
        "| a | b |\n",
        "```\n",
        ". ",
        " ",
        "tokenization",
        "日本語",
        "😀",
        "<|endoftext|>",
      ),
      fc.string({ maxLength: 20 }),
      fc.lorem({ maxCount: 12 }),
    ),
    { maxLength: 80 },
  )
  .map((parts) => parts.join(""));

describe("chunk sizes in tokens", () => {
  it("counts with cl100k_base, special-token text included", async () => {
    const count = await loadTokenCounter();
    expect(count("hello world")).toBe(2);
    expect(count("<|endoftext|>")).toBeGreaterThan(1);
  });

  it("keeps each chunk and each overlap within its token budget (property)", async () => {
    const count = await loadTokenCounter();
    await fc.assert(
      fc.asyncProperty(
        prose,
        fc.integer({ min: 16, max: 120 }),
        fc.integer({ min: 0, max: 119 }),
        fc.constantFrom("plain", "markdown") as fc.Arbitrary<"plain" | "markdown">,
        fc.integer({ min: 1, max: 60 }),
        async (text, size, overlapSeed, format, pieceSize) => {
          const overlap = overlapSeed % size;
          const options: ChunkOptions = { size, overlap, unit: "tokens", format };
          const chunks = await chunk(text, options, pieceSize);
          if (text.length === 0) {
            expect(chunks).toEqual([]);
            return;
          }
          expect(chunks[0]?.start).toBe(0);
          expect(chunks.at(-1)?.end).toBe(text.length);
          chunks.forEach((c, i) => {
            expect(c.text).toBe(c.context + text.slice(c.start, c.end));
            expect(c.tokenCount).toBe(count(c.text));
            expect(c.tokenCount).toBeLessThanOrEqual(size);
            const previous = chunks[i - 1];
            if (previous) {
              expect(c.start).toBeGreaterThan(previous.start);
              expect(c.start).toBeLessThanOrEqual(previous.end);
              expect(count(text.slice(c.start, previous.end))).toBeLessThanOrEqual(overlap);
            }
          });
          expect(await chunk(text, options, 5000)).toEqual(chunks);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("fills chunks close to the budget on prose", async () => {
    const text = "The quick brown fox jumps over the lazy dog. ".repeat(400);
    const chunks = await chunk(text, { size: 200, overlap: 20, unit: "tokens" });
    for (const c of chunks.slice(0, -1)) expect(c.tokenCount).toBeGreaterThan(180);
  });

  it("rejects a token size too small to hold any character", async () => {
    await expect(chunk("x", { size: 8, overlap: 0, unit: "tokens" })).rejects.toThrow(/at least 16/);
  });
});

describe("page ranges", () => {
  it("gives each chunk the first and last page its slice touches (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 0, max: 3 })), {
          maxLength: 20,
        }),
        fc.integer({ min: 10, max: 90 }),
        fc.integer({ min: 0, max: 9 }),
        async (spans, size, overlap) => {
          let text = "";
          const pages = spans.map(([length, gap], i) => {
            text += "\n".repeat(gap);
            const start = text.length;
            text += "word ".repeat(length).slice(0, length);
            return { page: i + 1, start, end: text.length };
          });
          const chunks = await chunk(text, { size, overlap, pages });
          for (const c of chunks) {
            const touched = pages.filter((p) => p.start < c.end && p.end > c.start).map((p) => p.page);
            expect([c.pageStart, c.pageEnd]).toEqual([touched[0] ?? null, touched.at(-1) ?? null]);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
