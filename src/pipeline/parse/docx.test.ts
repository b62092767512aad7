import { zipSync } from "fflate";
import { describe, expect, it } from "vitest";
import { buildDocx, buildDocxBomb } from "../testing/build-docx.js";
import { bytesIn, collectingSink } from "../testing/streams.js";
import { parseDocument } from "./index.js";

const docxInfo = (size: number) => ({
  declaredContentType: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  filename: "report.docx",
  size,
});

describe("parseDocument on DOCX", () => {
  it("extracts paragraphs as lines and headings as sections", async () => {
    const docx = buildDocx(
      [
        { text: "Quarterly Report", style: "Title" },
        { text: "Summary", style: "Heading1" },
        { text: "Revenue & costs\tgrew." },
        { text: "Details", style: "Heading2" },
        { text: "See <appendix>." },
        { text: "Outlook", style: "Heading1" },
        { text: "Calm." },
      ],
      "Q3 & more",
    );
    const sink = collectingSink();
    const result = await parseDocument(bytesIn(docx, 512), docxInfo(docx.length), sink);
    const text = sink.text();
    expect(text).toBe(
      "# Quarterly Report\n\n# Summary\n\nRevenue & costs\tgrew.\n\n## Details\n\nSee <appendix>.\n\n# Outlook\n\nCalm.",
    );
    expect(result.sections.map(({ title, level }) => [title, level])).toEqual([
      ["Quarterly Report", 1],
      ["Summary", 1],
      ["Details", 2],
      ["Outlook", 1],
    ]);
    for (const section of result.sections)
      expect(text.slice(section.start)).toMatch(new RegExp(`^#+ ${section.title}`));
    const details = result.sections[2];
    expect(text.slice(details?.start, details?.end)).toBe("## Details\n\nSee <appendix>.\n\n");
    expect(result).toMatchObject({ type: "docx", pageCount: 1, chars: text.length });
    expect(result.metadata).toMatchObject({ title: "Q3 & more", paragraphs: 7 });
  });

  it("reports a truncated DOCX as corrupt", async () => {
    const docx = buildDocx([{ text: "word ".repeat(5000) }]);
    for (const length of [docx.length - 10, Math.floor(docx.length / 2)]) {
      const truncated = docx.slice(0, length);
      await expect(
        parseDocument(bytesIn(truncated), docxInfo(length), collectingSink()),
      ).rejects.toMatchObject({
        code: "corrupt_file",
        permanent: true,
      });
    }
  });

  it("refuses a zip without word/document.xml even when named .docx", async () => {
    const zip = zipSync({ "notes.txt": new TextEncoder().encode("hello") });
    await expect(parseDocument(bytesIn(zip), docxInfo(zip.length), collectingSink())).rejects.toMatchObject({
      code: "unsupported_type",
    });
  });

  it("refuses a bomb whose central directory declares more than the cap, before inflating", async () => {
    const bomb = buildDocxBomb(256 * 1024 * 1024);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    await expect(
      parseDocument(bytesIn(bomb, 64 * 1024), docxInfo(bomb.length), collectingSink()),
    ).rejects.toMatchObject({
      code: "decompression_limit",
      permanent: true,
    });
  }, 60_000); // building a 256 MB bomb takes seconds on a 2-core machine

  it("stops a bomb that lies about its size by its ratio, without inflating it", async () => {
    const bomb = buildDocxBomb(256 * 1024 * 1024, { declaredSize: 1000 });
    let peakHeap = 0;
    const before = process.memoryUsage().heapUsed;
    const sink = {
      async write() {
        peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
      },
    };
    await expect(parseDocument(bytesIn(bomb, 64 * 1024), docxInfo(bomb.length), sink)).rejects.toMatchObject({
      code: "decompression_limit",
      message: /expands more than 200x/,
    });
    expect(Math.max(peakHeap, process.memoryUsage().heapUsed) - before).toBeLessThan(64 * 1024 * 1024);
  }, 60_000);

  it("stops at the total decompressed cap when the ratio check is off", async () => {
    const bomb = buildDocxBomb(8 * 1024 * 1024, { declaredSize: 1000 });
    const parsing = parseDocument(bytesIn(bomb), docxInfo(bomb.length), collectingSink(), {
      limits: {
        docxMaxCompressionRatio: Number.POSITIVE_INFINITY,
        docxMaxDecompressedBytes: 2 * 1024 * 1024,
      },
    });
    await expect(parsing).rejects.toMatchObject({
      code: "decompression_limit",
      message: /more than 2097152 bytes/,
    });
  });
});
