import { mkdtemp, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { renderTextBitmap } from "../ocr/testing/render-text.js";
import { MIN_WORD_OVERLAP, SENTENCES } from "../ocr/testing/sentences.js";
import { wordOverlap } from "../ocr/testing/word-overlap.js";
import { buildImagePdf } from "../testing/build-image-pdf.js";
import { bytesIn, collectingSink } from "../testing/streams.js";
import { parseDocument } from "./index.js";

// A PDF over 8 MiB is written to a temp file for OCR rather than copied (pdf.js detaches the
// bytes it gets). These check that OCR still reads it and that the file never outlives the parse.

const ocr = { enabled: true, languages: ["eng"], perPageTimeoutMs: 30_000, maxPages: 10, dpi: 200 };
const NINE_MIB = 9 * 1024 * 1024;
// Enough text for its page's area that the page is not taken for a scan.
const textPage = { textLines: Array.from({ length: 30 }, (_, i) => `Line ${i + 1}: ${SENTENCES[0]}`) };
let tmp: string;
const savedTmpdir = process.env.TMPDIR;

beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "pdf-ocr-spill-"));
  process.env.TMPDIR = tmp;
});
afterAll(async () => {
  if (savedTmpdir === undefined) delete process.env.TMPDIR;
  else process.env.TMPDIR = savedTmpdir;
  await rm(tmp, { recursive: true, force: true });
});

async function parse(pdf: Uint8Array) {
  const sink = collectingSink();
  const info = { declaredContentType: "application/pdf", filename: "big.pdf", size: pdf.length };
  const result = await parseDocument(bytesIn(pdf, 1024 * 1024), info, sink, { ocr });
  return { result, text: sink.text() };
}

describe("OCR of a PDF too large to copy", () => {
  it("reads the scanned page from the temp file and removes it", async () => {
    const pdf = buildImagePdf([textPage, { gray: await renderTextBitmap([SENTENCES[1]]) }], NINE_MIB);
    expect(pdf.length).toBeGreaterThan(NINE_MIB);
    const { result, text } = await parse(pdf);
    expect(result.pageCount).toBe(2);
    expect(result.metadata.ocr).toMatchObject({ pagesOcred: 1 });
    expect(wordOverlap(SENTENCES[1], text)).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
    expect(await readdir(tmp)).toEqual([]);
  }, 60_000);

  it("removes the temp file when no page needed OCR", async () => {
    const { result, text } = await parse(buildImagePdf([textPage], NINE_MIB));
    expect(result.metadata.ocr).toBeUndefined();
    expect(text).toBe(textPage.textLines.join("\n"));
    expect(await readdir(tmp)).toEqual([]);
  });

  it("removes the temp file when the PDF does not open", async () => {
    const broken = new Uint8Array(NINE_MIB);
    broken.set(Buffer.from("%PDF-1.4\n"));
    await expect(parse(broken)).rejects.toMatchObject({ code: "corrupt_file" });
    expect(await readdir(tmp)).toEqual([]);
  });

  it("copies the bytes instead when the temp file cannot be written, and parses as before", async () => {
    process.env.TMPDIR = path.join(tmp, "missing", "dir");
    try {
      const { result, text } = await parse(buildImagePdf([textPage], NINE_MIB));
      expect(result.pageCount).toBe(1);
      expect(text).toBe(textPage.textLines.join("\n"));
    } finally {
      process.env.TMPDIR = tmp;
    }
    expect(await readdir(tmp)).toEqual([]);
  });
});
