import { describe, expect, it } from "vitest";
import { countTextChars, pagesNeedingOcr, preferredPageText, textDensity } from "./page-selection.js";
import { rasterDpi } from "./raster-resolution.js";

const letter = { widthPt: 612, heightPt: 792 };
const bodyText = "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(40);

describe("pagesNeedingOcr", () => {
  it("picks pages with no text layer and keeps pages of body text", () => {
    const pages = [
      { page: 1, text: bodyText, ...letter },
      { page: 2, text: "", ...letter },
      { page: 3, text: "  \n\t ", ...letter },
      { page: 4, text: bodyText, ...letter },
    ];
    expect(pagesNeedingOcr(pages)).toEqual([2, 3]);
  });

  it("treats a few characters against a whole page as no text layer", () => {
    const footer = { page: 1, text: "Scanned by CamScanner  3", ...letter };
    const title = {
      page: 2,
      text: "Annual Report 2026: results of the first half-year, by segment",
      ...letter,
    };
    expect(pagesNeedingOcr([footer, title])).toEqual([1]);
    // 47 characters is the threshold on letter paper (0.5 per square inch of 93.5).
    expect(pagesNeedingOcr([{ page: 1, text: 46, ...letter }])).toEqual([1]);
    expect(pagesNeedingOcr([{ page: 1, text: 47, ...letter }])).toEqual([]);
  });

  it("scales with the page's area", () => {
    const sixtyChars = "x".repeat(60);
    expect(pagesNeedingOcr([{ page: 1, text: sixtyChars, widthPt: 297, heightPt: 420 }])).toEqual([]); // A6
    expect(pagesNeedingOcr([{ page: 1, text: sixtyChars, widthPt: 842, heightPt: 1191 }])).toEqual([1]); // A3
  });

  it("skips pages known to paint no image, since a blank page has nothing to read", () => {
    const pages = [
      { page: 1, text: "", ...letter, hasImages: false },
      { page: 2, text: "", ...letter, hasImages: true },
      { page: 3, text: "", ...letter },
    ];
    expect(pagesNeedingOcr(pages)).toEqual([2, 3]);
  });

  it("honours a custom threshold and returns pages in order", () => {
    const pages = [
      { page: 3, text: "x".repeat(200), ...letter },
      { page: 1, text: "x".repeat(200), ...letter },
    ];
    expect(pagesNeedingOcr(pages, { minCharsPerSquareInch: 5 })).toEqual([1, 3]);
    expect(pagesNeedingOcr(pages, { minCharsPerSquareInch: 1 })).toEqual([]);
  });

  it("gives a page without area a density of zero instead of dividing by it", () => {
    expect(textDensity({ page: 1, text: "abc", widthPt: 0, heightPt: 792 })).toBe(0);
    expect(textDensity({ page: 1, text: "abc", widthPt: -612, heightPt: -792 })).toBeCloseTo(3 / 93.5);
  });
});

describe("countTextChars", () => {
  it("counts code points that are not whitespace", () => {
    expect(countTextChars("")).toBe(0);
    expect(countTextChars(" a b\u00a0c\u2003\n")).toBe(3);
    expect(countTextChars("😀 é")).toBe(2);
  });
});

describe("preferredPageText", () => {
  it("keeps an exact text layer unless OCR found more", () => {
    expect(
      preferredPageText("This page is intentionally left blank", "This page is intentionally left blank"),
    ).toEqual({
      text: "This page is intentionally left blank",
      source: "text",
    });
    expect(preferredPageText("3", "A scanned page of text\n3")).toEqual({
      text: "A scanned page of text\n3",
      source: "ocr",
    });
  });
});

describe("rasterDpi", () => {
  const options = { dpi: 200, maxPixels: 40_000_000 };
  it("uses the wanted resolution for ordinary pages", () => {
    expect(rasterDpi(612, 792, options)).toBe(200);
    expect(rasterDpi(842, 1191, options)).toBe(200); // A3 at 200 dpi is 7.7 MP
  });

  it("lowers it so a huge page stays under the pixel cap", () => {
    const dpi = rasterDpi(14_400, 14_400, options); // a 200-inch square page
    expect(dpi).toBe(31);
    expect((200 * dpi) ** 2).toBeLessThanOrEqual(40_000_000);
    expect(rasterDpi(14_400_000, 14_400_000, options)).toBe(1);
  });
});
