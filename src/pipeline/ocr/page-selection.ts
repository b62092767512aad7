/** What the PDF parser knows about a page's text layer, enough to decide whether it needs OCR. */
export interface PdfPageTextLayer {
  /** 1-based page number. */
  page: number;
  /** The page's extracted text, or its count of non-whitespace characters (`countTextChars`). */
  text: string | number;
  /** Page size in PDF points (1/72 inch), e.g. pdf.js's `page.view` width and height. */
  widthPt: number;
  heightPt: number;
  /**
   * Whether the page paints any image. Leave undefined when unknown; `false` marks a truly
   * blank page, which is not worth rasterizing.
   */
  hasImages?: boolean;
}

export interface PageSelectionOptions {
  /** Fewer non-whitespace characters per square inch than this, and the page is read by OCR. */
  minCharsPerSquareInch?: number;
}

/**
 * A full page of body text carries 20-40 non-whitespace characters per square inch (a US letter
 * page is 93.5 in²; the corpus's text pages have 1,600-4,800 characters). 0.5 per in² is 47
 * characters on letter and 48 on A4: a scan with a stamped footer ("Scanned by CamScanner") or
 * an OCR-less page number falls below it, while a sparse title page with a real text layer rarely
 * does, and when it does, OCR only costs a second and the caller keeps the longer text.
 */
export const DEFAULT_MIN_CHARS_PER_SQUARE_INCH = 0.5;

const POINTS_PER_INCH = 72;

/**
 * The pages whose text layer is missing or nearly empty for their area, in page order.
 *
 * @example
 * pagesNeedingOcr([
 *   { page: 1, text: "A full page of text ...", widthPt: 612, heightPt: 792 },
 *   { page: 2, text: "", widthPt: 612, heightPt: 792 },
 * ]) // [2]
 */
export function pagesNeedingOcr(
  pages: readonly PdfPageTextLayer[],
  options: PageSelectionOptions = {},
): number[] {
  const threshold = options.minCharsPerSquareInch ?? DEFAULT_MIN_CHARS_PER_SQUARE_INCH;
  return pages
    .filter((p) => p.hasImages !== false && textDensity(p) < threshold)
    .map((p) => p.page)
    .sort((a, b) => a - b);
}

/** Non-whitespace characters per square inch of the page; a page with no area has density 0. */
export function textDensity(page: PdfPageTextLayer): number {
  const chars = typeof page.text === "number" ? page.text : countTextChars(page.text);
  const squareInches = (Math.abs(page.widthPt) * Math.abs(page.heightPt)) / POINTS_PER_INCH ** 2;
  if (!(squareInches > 0)) return 0;
  return chars / squareInches;
}

/** Characters that are not whitespace (Unicode White_Space), counted by code point. */
export function countTextChars(text: string): number {
  let count = 0;
  for (const _ of text.matchAll(/\S/gu)) count++;
  return count;
}

/**
 * Which text to keep for a page that had a sparse text layer and was also read by OCR: the
 * text layer when it says at least as much (it is exact), else the OCR text.
 */
export function preferredPageText(
  textLayer: string,
  ocrText: string,
): { text: string; source: "text" | "ocr" } {
  return countTextChars(ocrText) > countTextChars(textLayer)
    ? { text: ocrText, source: "ocr" }
    : { text: textLayer, source: "text" };
}
