import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { findUnsafeText, safeJson } from "../../db/safe-values.js";
import { buildDocxBomb } from "../testing/build-docx.js";
import {
  deepJson,
  hugeContentStreamPdf,
  hugeCsvField,
  lyingDocx,
  manyNestedDocx,
  nestedDocx,
  nestedHtml,
  spacedHeadings,
  unstorableDocx,
  unstorableHtml,
  unstorableMarkdown,
  unstorablePdf,
} from "../testing/hostile.js";
import { bytesIn, collectingSink, utf8 } from "../testing/streams.js";
import { type ParseResult, parseDocument } from "./index.js";
import { atxHeading } from "./markdown.js";

const parse = async (bytes: Uint8Array, filename: string, type: string, limits = {}) => {
  const sink = collectingSink();
  const result = await parseDocument(
    bytesIn(bytes, 64 * 1024),
    { filename, declaredContentType: type, size: bytes.length },
    sink,
    { limits },
  );
  return { result, text: sink.text() };
};

describe("structural bounds", () => {
  it("flattens HTML nested past the depth bound and keeps its text", async () => {
    const { result, text } = await parse(utf8(nestedHtml(10_000, "inside")), "a.html", "text/html");
    expect(text).toBe("inside");
    expect(result.metadata.flattenedTags).toBe(10_000 - 256 + 2);
  });

  it("keeps HTML structure under the depth bound", async () => {
    const html = `${"<div>".repeat(200)}<h2>Deep heading</h2><p>para</p>${"</div>".repeat(200)}`;
    const { result, text } = await parse(utf8(html), "a.html", "text/html");
    expect(text).toBe("## Deep heading\n\npara");
    expect(result.sections).toEqual([{ title: "Deep heading", level: 2, start: 0, end: text.length }]);
    expect(result.metadata.flattenedTags).toBeUndefined();
  });

  it("fails DOCX XML nested past the bound as too_complex, and reads it under the bound", async () => {
    await expect(parse(nestedDocx(5000), "a.docx", "application/octet-stream")).rejects.toMatchObject({
      code: "too_complex",
    });
    const { text } = await parse(nestedDocx(100, "deepword"), "a.docx", "application/octet-stream");
    expect(text).toContain("deepword");
  });

  it("reads a lying DOCX core.xml only up to its bound, and the body whole", async () => {
    const { result, text } = await parse(lyingDocx(5 * 1024 * 1024), "a.docx", "application/octet-stream");
    expect(text.trim()).toBe("body text");
    // The title element never closed within the bytes read: no title, and nothing unbounded held.
    expect(result.metadata.title).toBeUndefined();
  });

  it("still refuses a DOCX bomb that lies about its size", async () => {
    const bomb = buildDocxBomb(300 * 1024 * 1024, { declaredSize: 1000 });
    await expect(parse(bomb, "a.docx", "application/octet-stream")).rejects.toMatchObject({
      code: "decompression_limit",
    });
  }, 60_000); // building the 300 MB bomb alone takes about 5 s on a 2-core machine

  it("does not validate JSON nested deeper than the bound, and passes its text through", async () => {
    const json = deepJson(100_000);
    const { result, text } = await parse(utf8(json), "a.json", "application/json");
    expect(result.metadata.json).toEqual({ validated: false, reason: "too_deep" });
    expect(text).toBe(json);
    const shallow = await parse(utf8(deepJson(100)), "b.json", "application/json");
    expect(shallow.result.metadata.json).toEqual({ validated: true, valid: true, format: "json" });
  });

  it("streams a CSV with a 20 MB field without holding it", async () => {
    const csv = hugeCsvField(20 * 1024 * 1024);
    const { result } = await parse(utf8(csv), "a.csv", "text/csv");
    expect(result.chars).toBe(csv.length);
    expect(result.metadata.lines).toBe(3);
  });

  it("fails a PDF page with more text items than the bound as too_complex", async () => {
    const pdf = hugeContentStreamPdf(3000);
    await expect(parse(pdf, "a.pdf", "application/pdf", { pdfMaxItemsPerPage: 1000 })).rejects.toMatchObject({
      code: "too_complex",
    });
    const { result } = await parse(pdf, "a.pdf", "application/pdf");
    expect(result.pageCount).toBe(1);
  });

  it("fails a PDF with more pages than the bound as too_complex", async () => {
    const pdf = hugeContentStreamPdf(1);
    await expect(parse(pdf, "a.pdf", "application/pdf", { pdfMaxPages: 0 })).rejects.toMatchObject({
      code: "too_complex",
      message: "PDF has 1 pages; the limit is 0",
    });
  });
});

describe("ATX headings without backtracking", () => {
  it.each([
    ["# Title", { level: 1, title: "Title" }],
    ["###   spaced   ", { level: 3, title: "spaced" }],
    ["## closed ##", { level: 2, title: "closed" }],
    ["## not#closed#", { level: 2, title: "not#closed#" }],
    ["# #", { level: 1, title: "" }],
    ["#", { level: 1, title: "" }],
    ["   ###### six", { level: 6, title: "six" }],
    ["#\ttab", { level: 1, title: "tab" }],
  ])("%j is a heading", (line, expected) => {
    expect(atxHeading(line)).toEqual(expected);
  });

  it.each([["####### seven"], ["#hashtag"], ["    # code"], ["text # not"], [""]])("%j is not", (line) => {
    expect(atxHeading(line)).toBeUndefined();
  });

  it("reads the pathological line right", () => {
    expect(atxHeading(`# a${" ".repeat(1000)}b`)).toEqual({ level: 1, title: `a${" ".repeat(1000)}b` });
  });
});

describe("text Postgres cannot store", () => {
  const stored = (result: ParseResult) => [result.sections.map((s) => s.title), result.metadata];

  it.each([
    ["markdown", () => utf8(unstorableMarkdown()), "a.md", "text/markdown"],
    ["html", () => utf8(unstorableHtml()), "a.html", "text/html"],
    ["docx", () => unstorableDocx(), "a.docx", "application/octet-stream"],
    ["pdf", () => unstorablePdf(), "a.pdf", "application/pdf"],
  ])(
    "%s: is parsed, kept out of the text, and made safe on the way to the database",
    async (_name, build, filename, type) => {
      const { result, text } = await parse(build(), filename, type);
      expect(text.includes("\u0000")).toBe(false);
      const safe = safeJson(stored(result));
      expect(findUnsafeText(safe)).toBeUndefined();
      expect(JSON.stringify(safe)).toMatch(/Title|Head|title|A /);
    },
  );
});

/** Fastest of `runs` timings of `fn`, in ms: the least disturbed by other work on the machine. */
async function fastest(fn: () => Promise<unknown>, runs = 5): Promise<number> {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn();
    best = Math.min(best, performance.now() - t);
  }
  return best;
}

// Each generator makes the pathological input of a parser at a size n. A linear parser takes
// about 4x as long on 4n; a quadratic one 16x. The bound of 8x leaves room for noise.
const pathological: Record<string, { n: number; make: (n: number) => [Uint8Array, string, string] }> = {
  "nested HTML": { n: 20_000, make: (n) => [utf8(nestedHtml(n)), "a.html", "text/html"] },
  "nested DOCX XML": { n: 20, make: (n) => [manyNestedDocx(n), "a.docx", "application/octet-stream"] },
  "spaced Markdown headings": { n: 500, make: (n) => [utf8(spacedHeadings(n)), "a.md", "text/markdown"] },
  "deep JSON": { n: 50_000, make: (n) => [utf8(deepJson(n)), "a.json", "application/json"] },
  "huge CSV field": { n: 500_000, make: (n) => [utf8(hugeCsvField(n)), "a.csv", "text/csv"] },
  "long PDF content stream": { n: 2_000, make: (n) => [hugeContentStreamPdf(n), "a.pdf", "application/pdf"] },
};

describe("parse time grows linearly with pathological input (property)", () => {
  it.each(Object.entries(pathological))(
    "%s",
    async (_name, { n, make }) => {
      await fc.assert(
        fc.asyncProperty(fc.integer({ min: 1, max: 2 }), async (scale) => {
          const small = make(n * scale);
          const large = make(n * scale * 4);
          await parse(...small); // warm up the code paths before timing
          const tSmall = await fastest(() => parse(...small));
          const tLarge = await fastest(() => parse(...large));
          expect(tLarge / Math.max(tSmall, 1)).toBeLessThan(8);
        }),
        { numRuns: 2 },
      );
    },
    120_000,
  );
});
