import { describe, expect, it } from "vitest";
import { ocrImagePages } from "./image-pages.js";
import type { OcrPage, OcrProgress } from "./options.js";
import { buildGrayTiff } from "./testing/build-tiff.js";
import { renderTextBitmap, renderTextPage } from "./testing/render-text.js";
import { MIN_WORD_OVERLAP, SENTENCES } from "./testing/sentences.js";
import { wordOverlap } from "./testing/word-overlap.js";

const [FOX, INVOICE, CONTRACTS, RECEIPT] = SENTENCES;

describe("ocrImagePages", { timeout: 60_000 }, () => {
  it("reads the sentences of a PNG and a JPEG scan", async () => {
    for (const format of ["png", "jpeg"] as const) {
      const image = await renderTextPage([FOX, INVOICE], format);
      const { pages, skippedPages } = await ocrImagePages(image);
      expect(skippedPages).toEqual([]);
      expect(pages).toHaveLength(1);
      const [page] = pages;
      expect(page!.page).toBe(1);
      expect(wordOverlap(`${FOX} ${INVOICE}`, page!.text), page!.text).toBeGreaterThanOrEqual(
        MIN_WORD_OVERLAP,
      );
      expect(page!.words).toBeGreaterThanOrEqual(20);
      expect(page!.confidence).toBeGreaterThan(80);
    }
  });

  it("reads each page of a multi-page TIFF as its own page, in either byte order, reporting progress", async () => {
    const bitmaps = await Promise.all(
      [[FOX], [CONTRACTS], [RECEIPT]].map((lines) => renderTextBitmap(lines, 150)),
    );
    for (const order of ["II", "MM"] as const) {
      const seen: [number, OcrProgress][] = [];
      const { pages } = await ocrImagePages(buildGrayTiff(bitmaps, order), {
        onPage: (page: OcrPage, progress) => {
          seen.push([page.page, progress]);
        },
      });
      expect(pages.map((p) => p.page)).toEqual([1, 2, 3]);
      [FOX, CONTRACTS, RECEIPT].forEach((sentence, i) => {
        expect(wordOverlap(sentence, pages[i]!.text), pages[i]!.text).toBeGreaterThanOrEqual(
          MIN_WORD_OVERLAP,
        );
      });
      // A page's text is its own: each distinctive word is on its page only.
      expect(pages.map((p) => ["fox", "contracts", "receipt"].filter((w) => p.text.includes(w)))).toEqual([
        ["fox"],
        ["contracts"],
        ["receipt"],
      ]);
      expect(seen).toEqual([
        [1, { pagesOcred: 1, pagesTotal: 3 }],
        [2, { pagesOcred: 2, pagesTotal: 3 }],
        [3, { pagesOcred: 3, pagesTotal: 3 }],
      ]);
    }
  });

  it("reads at most maxPages pages and names the others as skipped", async () => {
    const blank = { width: 200, height: 100, pixels: new Uint8Array(200 * 100).fill(255) };
    const tiff = buildGrayTiff([blank, blank, blank, blank]);
    const { pages, skippedPages } = await ocrImagePages(tiff, { maxPages: 2 });
    expect(pages.map((p) => [p.page, p.text, p.words, p.confidence])).toEqual([
      [1, "", 0, undefined],
      [2, "", 0, undefined],
    ]);
    expect(skippedPages).toEqual([3, 4]);
  });

  it("refuses bytes that are no image before Tesseract sees them", async () => {
    // Tesseract reads an undecodable file as a list of image paths to open: it must never get one.
    for (const bytes of [
      Buffer.from("/etc/passwd\n"),
      Buffer.from("%PDF-1.4\n"),
      new Uint8Array(0),
      new Uint8Array(5000),
    ]) {
      await expect(ocrImagePages(bytes)).rejects.toMatchObject({
        name: "OcrError",
        code: "corrupt_file",
        message: "the file is not a PNG, JPEG, TIFF or WebP image",
      });
    }
  });

  it("calls an image with a valid header but broken data corrupt", async () => {
    const png = await renderTextPage([FOX], "png", 100);
    const broken = png.slice();
    broken.fill(0x41, 40);
    await expect(ocrImagePages(broken)).rejects.toMatchObject({ code: "corrupt_file", page: 1 });
    const jpeg = await renderTextPage([FOX], "jpeg", 100);
    await expect(ocrImagePages(jpeg.subarray(0, 300))).rejects.toMatchObject({ code: "corrupt_file" });
  });

  it("refuses a page over the pixel cap from its header, before decoding it", async () => {
    // 100,000 x 100,000 pixels declared in 200 bytes: a decompression bomb.
    const bomb = buildGrayTiff([{ width: 100_000, height: 100_000, pixels: new Uint8Array(16) }]);
    await expect(ocrImagePages(bomb)).rejects.toMatchObject({ code: "too_complex", page: 1 });
    const png = await renderTextPage([FOX], "png", 100);
    await expect(ocrImagePages(png, { maxPagePixels: 850 * 1100 - 1 })).rejects.toMatchObject({
      code: "too_complex",
    });
  });

  it("says which language is missing", async () => {
    const png = await renderTextPage([FOX], "png", 100);
    await expect(ocrImagePages(png, { languages: ["eng", "zzz"] })).rejects.toMatchObject({
      code: "ocr_unavailable",
      permanent: false,
    });
  });
});
