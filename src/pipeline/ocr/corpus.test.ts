import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import { sharedCorpusDir } from "../testing/shared-corpus.js";
import { ocrImagePages } from "./image-pages.js";
import { pagesNeedingOcr } from "./page-selection.js";
import { ocrPdfPages } from "./pdf-pages.js";
import { pdfTextLayers } from "./testing/pdf-text-layers.js";
import { words } from "./testing/word-overlap.js";

// Scans from Unstructured's example-docs (see ../shared/corpus/README.md), each with a phrase
// that is really in it, as Debian's eng model reads it. chi_sim_image.jpeg and jpn-vert.jpeg are
// not here: reading them needs tesseract-ocr-chi-sim / -jpn-vert.
const CORPUS = sharedCorpusDir();
const read = async (file: string) => new Uint8Array(await readFile(`${CORPUS}/${file}`));
const normalized = (text: string) => words(text).join(" ");

const IMAGES: [file: string, pages: number, phrase: string][] = [
  ["img/DA-1p.png", 1, "we arrived in the dead of night"],
  ["img/DA-1p.jpg", 1, "we arrived in the dead of night"],
  ["img/layout-parser-paper-fast.tiff", 1, "learning based document image analysis"],
  ["img/english-and-korean.png", 1, "use all your accounts"],
  ["img/double-column-A.jpg", 1, "civil service rules"],
];

const SCANNED_PDFS: [file: string, needOcr: number[], phrase: string][] = [
  ["pdf/loremipsum-flat.pdf", [1], "lorem ipsum dolor sit amet"],
  ["pdf/single_table.pdf", [1], "mean chunks per document"],
  ["pdf/table-multi-row-column-cells.pdf", [1], "low vision"],
];

describe("OCR of the corpus's scans", { timeout: 120_000 }, () => {
  it.each(IMAGES)("%s: %i page(s) reading %j", async (file, pageCount, phrase) => {
    const { pages } = await ocrImagePages(await read(file));
    expect(pages).toHaveLength(pageCount);
    expect(normalized(pages.map((p) => p.text).join("\n"))).toContain(phrase);
  });

  it("img/layout-parser-paper-combined.tiff: two pages, each with its own text", async () => {
    const { pages } = await ocrImagePages(await read("img/layout-parser-paper-combined.tiff"));
    expect(pages.map((p) => p.page)).toEqual([1, 2]);
    expect(normalized(pages[0]!.text)).toContain("a unified toolkit for deep");
    expect(normalized(pages[1]!.text)).toContain("current layout detection models");
    expect(normalized(pages[0]!.text)).not.toContain("current layout detection models");
  });

  it("img/example.jpg, a photograph with no text, reads as an empty page, not an error", async () => {
    const { pages } = await ocrImagePages(await read("img/example.jpg"));
    expect(pages.map((p) => [p.page, p.words])).toEqual([[1, 0]]);
  });

  it.each(SCANNED_PDFS)("%s: pages %j need OCR and read %j", async (file, needOcr, phrase) => {
    const pdf = await read(file);
    const needed = pagesNeedingOcr(await pdfTextLayers(pdf));
    expect(needed).toEqual(needOcr);
    const { pages } = await ocrPdfPages(pdf, needed);
    expect(normalized(pages.map((p) => p.text).join("\n"))).toContain(phrase);
  });

  it("needs no OCR for the corpus's PDFs with a text layer, and finds the blank pages of one", async () => {
    const withText = [
      "pdf/DA-1p.pdf",
      "pdf/layout-parser-paper-fast.pdf",
      "pdf/reliance.pdf",
      "pdf/copy-protected.pdf",
    ];
    for (const file of withText)
      expect(pagesNeedingOcr(await pdfTextLayers(await read(file), 20)), file).toEqual([]);
    // Page 2 is empty and page 3 says only "This page is intentionally left blank" (32 characters).
    const withEmpty = await pdfTextLayers(await read("pdf/layout-parser-paper-with-empty-pages.pdf"));
    expect(pagesNeedingOcr(withEmpty)).toEqual([2, 3]);
  });
});
