import { describe, expect, it } from "vitest";
import { PipelineError } from "../errors.js";
import { bytesIn, collectingSink, utf8 } from "../testing/streams.js";
import { parseDocument } from "./index.js";

const info = (filename: string, declaredContentType = "text/plain", size = 0) => ({
  declaredContentType,
  filename,
  size,
});

async function parseText(
  bytes: Uint8Array,
  filename: string,
  declaredContentType = "text/plain",
  pieceSize = 3,
) {
  const sink = collectingSink();
  const result = await parseDocument(
    bytesIn(bytes, pieceSize),
    info(filename, declaredContentType, bytes.length),
    sink,
  );
  return { result, text: sink.text() };
}

describe("parseDocument on streaming text formats", () => {
  it("turns a 0-byte file into an empty document", async () => {
    const { result, text } = await parseText(new Uint8Array(0), "empty.pdf", "application/pdf");
    expect(text).toBe("");
    expect(result).toMatchObject({ type: "pdf", chars: 0, pageCount: 0, pages: [], sections: [] });
  });

  it("replaces invalid UTF-8, strips the BOM and normalizes line ends split across pieces", async () => {
    const bytes = Uint8Array.of(
      0xef,
      0xbb,
      0xbf,
      ...utf8("caf\u00e9 ok\r\n"),
      0xc3,
      0x28,
      ...utf8("x\r"),
      ...utf8("\ny\rz"),
    );
    for (const pieceSize of [1, 2, 5, 1000]) {
      const { result, text } = await parseText(bytes, "a.txt", "text/plain", pieceSize);
      expect(text).toBe("caf\u00e9 ok\n\uFFFD(x\ny\nz");
      expect(result).toMatchObject({
        type: "text",
        chars: text.length,
        pageCount: 1,
        pages: [{ page: 1, start: 0, end: text.length }],
      });
      expect(result.metadata.lines).toBe(4);
    }
  });

  it("decodes UTF-16 text that starts with a byte-order mark", async () => {
    const bytes = Uint8Array.of(0xff, 0xfe, ...Array.from("hi\u00e9", (c) => [c.charCodeAt(0), 0]).flat());
    expect((await parseText(bytes, "a.txt", "text/plain", 1)).text).toBe("hi\u00e9");
  });

  it("records Markdown ATX headings as nested sections with exact offsets", async () => {
    const markdown =
      "# Guide\nintro\n## Install ##\nsteps\n```\n# not a heading\n```\n## Use\nrun\n# Appendix\nend\n";
    const { result, text } = await parseText(utf8(markdown), "guide.md", "text/markdown");
    expect(result.type).toBe("markdown");
    expect(result.sections.map(({ title, level }) => [title, level])).toEqual([
      ["Guide", 1],
      ["Install", 2],
      ["Use", 2],
      ["Appendix", 1],
    ]);
    for (const section of result.sections) expect(text.slice(section.start)).toMatch(/^#{1,2} /);
    const [guide, install, use, appendix] = result.sections;
    expect(guide?.end).toBe(appendix?.start);
    expect(install?.end).toBe(use?.start);
    expect(use?.end).toBe(appendix?.start);
    expect(appendix?.end).toBe(text.length);
  });

  it("caps the number of sections and says so", async () => {
    const markdown = Array.from({ length: 30 }, (_, i) => `# H${i}\n`).join("");
    const sink = collectingSink();
    const result = await parseDocument(bytesIn(utf8(markdown)), info("a.md", "text/markdown"), sink, {
      limits: { maxSections: 10 },
    });
    expect(result.sections).toHaveLength(10);
    expect(result.metadata.sectionsTruncated).toBe(true);
  });

  it("passes JSON through and records whether it is valid", async () => {
    expect(
      (await parseText(utf8('{"a": [1, 2]}'), "a.json", "application/json")).result.metadata.json,
    ).toEqual({ validated: true, valid: true, format: "json" });
    expect(
      (await parseText(utf8('{"a":1}\n{"a":2}\n'), "a.jsonl", "application/octet-stream")).result.metadata
        .json,
    ).toMatchObject({ valid: true, format: "ndjson" });
    const broken = await parseText(utf8('{"a": '), "a.json", "application/json");
    expect(broken.text).toBe('{"a": ');
    expect(broken.result.metadata.json).toEqual({ validated: true, valid: false });
  });

  it("keeps CSV rows as lines", async () => {
    const { result, text } = await parseText(utf8("name,qty\r\nbolt,3\r\n"), "parts.csv", "text/csv");
    expect(result.type).toBe("csv");
    expect(text).toBe("name,qty\nbolt,3\n");
  });

  it("refuses binary bytes declared as text/plain", async () => {
    const binary = new Uint8Array(4096).map((_, i) => (i * 131) % 256);
    await expect(parseText(binary, "a.txt")).rejects.toMatchObject({
      code: "unsupported_type",
      permanent: true,
    });
  });

  it("lets a transient source error through unchanged", async () => {
    const networkError = Object.assign(new Error("socket hang up"), { code: "ECONNRESET" });
    async function* failing() {
      yield utf8("hello ".repeat(4000));
      throw networkError;
    }
    const error = await parseDocument(failing(), info("a.txt"), collectingSink()).catch((e: unknown) => e);
    expect(error).toBe(networkError);
    expect(error).not.toBeInstanceOf(PipelineError);
  });

  it("streams a 64 MiB single line in bounded writes without holding it", async () => {
    const total = 64 * 1024 * 1024;
    const piece = utf8("a".repeat(256 * 1024));
    async function* line() {
      for (let sent = 0; sent < total; sent += piece.length) yield piece;
    }
    let written = 0;
    let largestWrite = 0;
    let peakHeap = 0;
    const before = process.memoryUsage().heapUsed;
    const progress: number[] = [];
    const result = await parseDocument(
      line(),
      info("big.log", "text/plain", total),
      {
        async write(text) {
          written += text.length;
          largestWrite = Math.max(largestWrite, text.length);
          peakHeap = Math.max(peakHeap, process.memoryUsage().heapUsed);
        },
      },
      { onProgress: (p) => progress.push(p.bytesRead) },
    );
    const growth = peakHeap - before;
    expect(result.chars).toBe(total);
    expect(written).toBe(total);
    expect(largestWrite).toBeLessThanOrEqual(64 * 1024);
    expect(progress.at(-1)).toBe(total);
    expect(progress.length).toBeLessThan(100);
    // Holding the line would take 64 MiB; measured growth is a few MiB (young-generation garbage).
    expect(growth).toBeLessThan(32 * 1024 * 1024);
  });
});
