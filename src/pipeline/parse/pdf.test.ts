import { describe, expect, it } from "vitest";
import { buildPdf } from "../testing/build-pdf.js";
import { bytesIn, collectingSink } from "../testing/streams.js";
import { parseDocument } from "./index.js";

const pdfInfo = (size: number) => ({ declaredContentType: "application/pdf", filename: "doc.pdf", size });

describe("parseDocument on PDF", () => {
  it("extracts text per page with page offsets and reports each page", async () => {
    const pdf = buildPdf(["Hello page one", "Second (page) text"]);
    const sink = collectingSink();
    const pagesParsed: number[] = [];
    const result = await parseDocument(bytesIn(pdf, 100), pdfInfo(pdf.length), sink, {
      onProgress: (p) => p.pagesParsed && pagesParsed.push(p.pagesParsed),
    });
    const text = sink.text();
    expect(result).toMatchObject({ type: "pdf", pageCount: 2, chars: text.length });
    expect(result.pages.map((p) => text.slice(p.start, p.end))).toEqual([
      "Hello page one",
      "Second (page) text",
    ]);
    expect(result.pages.map((p) => p.page)).toEqual([1, 2]);
    expect(pagesParsed).toEqual([1, 2]);
    expect(result.metadata.pdfVersion).toBe("1.4");
  });

  it("leaves the caller's buffer intact when the whole PDF arrives as one chunk", async () => {
    const pdf = buildPdf(["only page"]);
    const length = pdf.byteLength;
    async function* single() {
      yield pdf;
    }
    const sink = collectingSink();
    await parseDocument(single(), pdfInfo(length), sink);
    expect(sink.text()).toBe("only page");
    expect(pdf.byteLength).toBe(length);
  });

  it("refuses a PDF that needs a password", async () => {
    const pdf = buildPdf(["secret"], { encrypted: true });
    await expect(parseDocument(bytesIn(pdf), pdfInfo(pdf.length), collectingSink())).rejects.toMatchObject({
      code: "encrypted_file",
      permanent: true,
    });
  });

  it("reports a truncated PDF as corrupt", async () => {
    const pdf = buildPdf(["one", "two", "three"]);
    for (const length of [100, Math.floor(pdf.length / 2), pdf.length - 40]) {
      const truncated = pdf.slice(0, length);
      await expect(
        parseDocument(bytesIn(truncated), pdfInfo(length), collectingSink()),
      ).rejects.toMatchObject({ code: "corrupt_file" });
    }
  });

  it("stops reading as soon as the size limit is crossed, whatever size was declared", async () => {
    const pdf = buildPdf(["x"]);
    let chunksPulled = 0;
    async function* endless() {
      yield pdf;
      for (;;) {
        chunksPulled += 1;
        yield new Uint8Array(1024);
      }
    }
    const parsing = parseDocument(endless(), pdfInfo(10), collectingSink(), {
      limits: { pdfMaxBytes: 64 * 1024 },
    });
    await expect(parsing).rejects.toMatchObject({ code: "too_large" });
    expect(chunksPulled).toBe(64);
    await expect(parseDocument(bytesIn(pdf), pdfInfo(10 ** 9), collectingSink())).rejects.toMatchObject({
      code: "too_large",
    });
  });
});
