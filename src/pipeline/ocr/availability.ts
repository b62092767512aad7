import { OcrError } from "./errors.js";
import type { ImageFormat } from "./image-format.js";
import { DEFAULT_OCR_LANGUAGES, missingLanguages, parseListLangs } from "./languages.js";
import { findExecutable, runTool } from "./run-tool.js";

/** What this machine can OCR, for `/readyz` and for checking `INTAKE_OCR_LANGUAGES` at start. */
export interface OcrAvailability {
  /** Tesseract runs and has every requested language. */
  available: boolean;
  /** Languages Tesseract has installed (`osd` included when present). */
  languages: string[];
  /** Requested languages it lacks (install Debian's `tesseract-ocr-<lang>`). */
  missingLanguages: string[];
  /** pdftoppm (poppler-utils) is installed, so scanned PDF pages can be rasterized. */
  pdf: boolean;
  /** Image formats Tesseract's Leptonica was built to decode. */
  imageFormats: ImageFormat[];
  tesseractVersion?: string;
  /** Why OCR is not available, in one line. */
  reason?: string;
}

const PROBE_TIMEOUT_MS = 10_000;
const PROBE_MAX_OUTPUT = 64 * 1024;
// Installing a package changes the answer; /readyz may ask every few seconds.
const CACHE_MS = 60_000;

const cache = new Map<string, { at: number; answer: Promise<OcrAvailability> }>();

/**
 * Whether OCR works here: runs `tesseract --version` and `--list-langs` and looks for pdftoppm,
 * at most once a minute per language list. Never throws.
 *
 * @example
 * const { available, reason } = await ocrAvailability({ languages: ["eng", "deu"] });
 */
export function ocrAvailability(
  options: { languages?: readonly string[]; refresh?: boolean } = {},
): Promise<OcrAvailability> {
  const languages = options.languages ?? [DEFAULT_OCR_LANGUAGES];
  const key = languages.join("+");
  const cached = cache.get(key);
  if (cached && !options.refresh && performance.now() - cached.at < CACHE_MS) return cached.answer;
  const answer = probe(languages);
  cache.set(key, { at: performance.now(), answer });
  return answer;
}

async function probe(requested: readonly string[]): Promise<OcrAvailability> {
  const pdf = findExecutable("pdftoppm") !== undefined && findExecutable("pdfinfo") !== undefined;
  const unavailable = (reason: string): OcrAvailability => ({
    available: false,
    languages: [],
    missingLanguages: [...requested],
    pdf,
    imageFormats: [],
    reason,
  });
  if (findExecutable("tesseract") === undefined) {
    return unavailable(
      "tesseract is not installed (Debian: apt-get install tesseract-ocr tesseract-ocr-eng)",
    );
  }
  try {
    const run = (args: string[]) =>
      runTool("tesseract", args, { timeoutMs: PROBE_TIMEOUT_MS, maxStdoutBytes: PROBE_MAX_OUTPUT });
    const version = await run(["--version"]);
    const langs = await run(["--list-langs"]);
    // Tesseract 4 printed --version on stderr, 5 prints it on stdout.
    const versionText = `${version.stdout.toString("utf8")}\n${version.stderr}`;
    const installed = parseListLangs(langs.stdout.toString("utf8"));
    const missing = missingLanguages(requested, installed);
    const answer: OcrAvailability = {
      available: missing.length === 0,
      languages: installed,
      missingLanguages: missing,
      pdf,
      imageFormats: imageFormatsOf(versionText),
    };
    const tesseractVersion = /tesseract\s+v?(\S+)/i.exec(versionText)?.[1];
    if (tesseractVersion) answer.tesseractVersion = tesseractVersion;
    if (missing.length > 0) {
      answer.reason = `Tesseract lacks language ${missing.join(", ")} (Debian: tesseract-ocr-${missing[0]})`;
    }
    return answer;
  } catch (err) {
    return unavailable(`tesseract does not run: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * Throws `ocr_unavailable` with the reason when Tesseract, a requested language or (for PDFs)
 * poppler is missing. Tesseract itself only warns about a missing language and reads on without
 * it, which would silently read German as English.
 */
export async function assertOcrReady(languages: readonly string[], needs: { pdf: boolean }): Promise<void> {
  const availability = await ocrAvailability({ languages });
  if (!availability.available) {
    throw new OcrError("ocr_unavailable", availability.reason ?? "OCR is not available");
  }
  if (needs.pdf && !availability.pdf) {
    throw new OcrError(
      "ocr_unavailable",
      "pdftoppm and pdfinfo are not installed (Debian: apt-get install poppler-utils)",
    );
  }
}

/** The formats `tesseract --version`'s library line lists, e.g. "libpng 1.6.39 : libtiff 4.5.0". */
export function imageFormatsOf(versionText: string): ImageFormat[] {
  const libraries: [ImageFormat, RegExp][] = [
    ["png", /libpng/i],
    ["jpeg", /libjpeg/i],
    ["tiff", /libtiff/i],
    ["webp", /libwebp/i],
  ];
  return libraries.filter(([, pattern]) => pattern.test(versionText)).map(([format]) => format);
}
