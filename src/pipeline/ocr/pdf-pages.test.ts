import { describe, expect, it } from "vitest";
import { buildImagePdf } from "../testing/build-image-pdf.js";
import { buildPdf } from "../testing/build-pdf.js";
import { readImageHeader } from "./image-header.js";
import { pagesNeedingOcr } from "./page-selection.js";
import { PdfOcrSession } from "./pdf-ocr-session.js";
import { ocrPdfPages } from "./pdf-pages.js";
import { pdfTextLayers } from "./testing/pdf-text-layers.js";
import { renderTextBitmap, renderTextPage } from "./testing/render-text.js";
import { MIN_WORD_OVERLAP, SENTENCES } from "./testing/sentences.js";
import { wordOverlap } from "./testing/word-overlap.js";

const [FOX, INVOICE, CONTRACTS, RECEIPT] = SENTENCES;

describe("ocrPdfPages", { timeout: 60_000 }, () => {
  it("finds that every page of an image-only PDF needs OCR and reads its sentences back", async () => {
    const pdf = buildImagePdf([
      { gray: await renderTextBitmap([FOX, INVOICE]) },
      { gray: await renderTextBitmap([CONTRACTS], 150) },
    ]);
    const layers = await pdfTextLayers(pdf);
    expect(layers.map((l) => [l.page, l.text, l.widthPt, l.heightPt])).toEqual([
      [1, "", 612, 792],
      [2, "", 612, 792],
    ]);
    const needed = pagesNeedingOcr(layers);
    expect(needed).toEqual([1, 2]);
    const progress: number[] = [];
    const { pages } = await ocrPdfPages(pdf, needed, { onPage: (_, p) => void progress.push(p.pagesOcred) });
    expect(pages.map((p) => p.page)).toEqual([1, 2]);
    expect(wordOverlap(`${FOX} ${INVOICE}`, pages[0]!.text), pages[0]!.text).toBeGreaterThanOrEqual(
      MIN_WORD_OVERLAP,
    );
    expect(wordOverlap(CONTRACTS, pages[1]!.text), pages[1]!.text).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
    expect(progress).toEqual([1, 2]);
  });

  it("reads a scan stored as a JPEG (/DCTDecode)", async () => {
    const jpeg = await renderTextPage([RECEIPT], "jpeg", 150);
    const [{ width, height }] = readImageHeader(jpeg, "jpeg").pages as [{ width: number; height: number }];
    // pdftoppm writes its JPEGs in RGB.
    const pdf = buildImagePdf([{ jpeg, width, height, components: 3 }]);
    const { pages } = await ocrPdfPages(pdf, pagesNeedingOcr(await pdfTextLayers(pdf)));
    expect(wordOverlap(RECEIPT, pages[0]!.text), pages[0]!.text).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
  });

  it("in a mixed PDF, rasterizes only the scanned page and leaves the text pages to their text layer", async () => {
    const textPage1 = [
      "Chapter one has a real text layer.",
      "It is kept exactly as written: 12,345.67 (EUR).",
    ];
    const textPage3 = ["Appendix: also typed, never rasterized."];
    const pdf = buildImagePdf([
      {
        textLines: [
          ...textPage1,
          ...Array.from({ length: 8 }, (_, i) => `Line ${i} of ordinary body text here.`),
        ],
      },
      { gray: await renderTextBitmap([INVOICE]) },
      {
        textLines: [
          ...textPage3,
          ...Array.from({ length: 8 }, (_, i) => `Line ${i} of ordinary body text here.`),
        ],
      },
    ]);
    const layers = await pdfTextLayers(pdf);
    const needed = pagesNeedingOcr(layers);
    expect(needed).toEqual([2]);
    const { pages } = await ocrPdfPages(pdf, needed);
    expect(pages.map((p) => p.page)).toEqual([2]);
    expect(wordOverlap(INVOICE, pages[0]!.text)).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
    // The text pages come from the text layer, character for character.
    expect(layers[0]!.text).toContain(textPage1.join(" "));
    expect(layers[2]!.text).toContain(textPage3[0]);
  });

  it("caps the pages read and names the rest as skipped", async () => {
    const blank = { width: 170, height: 220, pixels: new Uint8Array(170 * 220).fill(255) };
    const pdf = buildImagePdf([{ gray: blank }, { gray: blank }, { gray: blank }]);
    const result = await ocrPdfPages(pdf, [3, 1, 2, 3], { maxPages: 2 });
    expect(result.pages.map((p) => [p.page, p.text])).toEqual([
      [1, ""],
      [2, ""],
    ]);
    expect(result.skippedPages).toEqual([3]);
    expect(await ocrPdfPages(pdf, [])).toEqual({ pages: [], skippedPages: [] });
  });

  it("gives stable codes for a broken, an encrypted PDF and a page it does not have", async () => {
    await expect(ocrPdfPages(new TextEncoder().encode("%PDF-1.4 garbage"), [1])).rejects.toMatchObject({
      code: "corrupt_file",
    });
    await expect(ocrPdfPages(buildPdf(["secret"], { encrypted: true }), [1])).rejects.toMatchObject({
      code: "encrypted_file",
    });
    await expect(ocrPdfPages(buildPdf(["one"]), [2])).rejects.toThrow(RangeError);
    await expect(ocrPdfPages(buildPdf(["one"]), [0])).rejects.toThrow(RangeError);
  });

  it("reads pages one call at a time through a session, as a page loop meets them", async () => {
    const pdf = buildImagePdf([
      { gray: await renderTextBitmap([FOX], 150) },
      { textLines: ["typed"] },
      { gray: await renderTextBitmap([RECEIPT], 150) },
    ]);
    const session = await PdfOcrSession.open(pdf, { maxPages: 2 });
    try {
      const third = await session.readPage(3);
      const first = await session.readPage(1);
      expect([third?.page, first?.page]).toEqual([3, 1]);
      expect(wordOverlap(RECEIPT, third!.text)).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
      expect(wordOverlap(FOX, first!.text)).toBeGreaterThanOrEqual(MIN_WORD_OVERLAP);
      expect(session.pagesRead).toBe(2);
      // Past maxPages: not read, the caller records the page as skipped.
      expect(await session.readPage(2)).toBeUndefined();
    } finally {
      await session.close();
    }
    const fresh = await PdfOcrSession.open(pdf);
    await expect(fresh.readPage(4)).rejects.toThrow(RangeError);
    await fresh.close();
  });
});
