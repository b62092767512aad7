import { DEFAULT_OCR_LANGUAGES } from "./languages.js";

/** One page read by OCR. */
export interface OcrPage {
  /** 1-based: the PDF's page number, or the image's page (TIFF directory + 1). */
  page: number;
  text: string;
  words: number;
  /** Mean word confidence, 0-100; undefined for a page with no words. */
  confidence: number | undefined;
  /** Wall time of rasterizing (PDF) and reading the page. */
  durationMs: number;
}

export interface OcrProgress {
  pagesOcred: number;
  /** Pages that will be read: the pages asked for, up to `maxPages`. */
  pagesTotal: number;
}

export interface OcrOptions {
  /** Tesseract languages, e.g. `["eng", "deu"]` (see `parseOcrLanguages`). Default `["eng"]`. */
  languages?: readonly string[];
  /** Budget of one page: rasterizing it and reading it. Past it the call fails `ocr_timeout`. */
  perPageTimeoutMs?: number;
  /** Pages read at most; further pages are returned in `skippedPages`, not read. */
  maxPages?: number;
  /** Resolution PDF pages are rasterized at. */
  dpi?: number;
  /** Largest page bitmap: images above it fail `too_complex`, PDF pages are rasterized smaller. */
  maxPagePixels?: number;
  /** Tesseract's TSV output of one page above this fails `too_complex`. */
  maxOutputBytesPerPage?: number;
  /** Aborting kills the running tool at once; the call rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Called after each page, in page order; the next page starts once its promise settles. */
  onPage?: (page: OcrPage, progress: OcrProgress) => void | Promise<void>;
}

/** What an OCR call read. Pages come in page order. */
export interface OcrResult {
  pages: OcrPage[];
  /** Pages asked for but not read, because of `maxPages`. */
  skippedPages: number[];
}

export type ResolvedOcrOptions = Readonly<
  Required<Omit<OcrOptions, "signal" | "onPage">> & Pick<OcrOptions, "signal" | "onPage">
>;

export const defaultOcrOptions = Object.freeze({
  languages: Object.freeze([DEFAULT_OCR_LANGUAGES]),
  // A dense letter page at 200 dpi reads in 1.5-4 s on one core of this machine; 30 s leaves room
  // for a slow, busy machine while keeping a hopeless page (noise, a photo of gravel) bounded.
  perPageTimeoutMs: 30_000,
  maxPages: 200,
  dpi: 200,
  // 40 MP: an A3 page at 300 dpi is 17 MP, a 12 MP phone photo fits; Tesseract's working set
  // is several bytes per pixel, so this bounds it to a few hundred MB.
  maxPagePixels: 40_000_000,
  // A page of text is 3-10 KB; its TSV about 30x that.
  maxOutputBytesPerPage: 8 * 1024 * 1024,
});

export function resolveOcrOptions(options: OcrOptions): ResolvedOcrOptions {
  const resolved = { ...defaultOcrOptions, ...withoutUndefined(options) };
  for (const key of [
    "perPageTimeoutMs",
    "maxPages",
    "dpi",
    "maxPagePixels",
    "maxOutputBytesPerPage",
  ] as const) {
    const value = resolved[key];
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`OCR option ${key} must be a positive integer`);
  }
  if (resolved.languages.length === 0) throw new RangeError("OCR needs at least one language");
  return Object.freeze(resolved);
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
