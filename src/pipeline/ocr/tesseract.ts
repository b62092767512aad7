import { OcrError } from "./errors.js";
import { runTool, ToolExitError } from "./run-tool.js";
import { type RecognizedText, textFromTsv } from "./tesseract-tsv.js";

export interface RecognizeOptions {
  languages: readonly string[];
  timeoutMs: number;
  maxOutputBytes: number;
  signal?: AbortSignal | undefined;
  /** The image's resolution when known (a rasterized PDF page); else Tesseract reads or estimates it. */
  dpi?: number | undefined;
  /** 0-based page of a multi-page TIFF. */
  tiffPage?: number | undefined;
  /** 1-based page number, for errors. */
  page: number;
}

// Tesseract warns and reads on without a language it cannot load, exiting 0.
const LANGUAGE_NOT_LOADED = /Failed loading language|Could not initialize tesseract/i;

/**
 * The child's environment. OMP_THREAD_LIMIT=1: Debian's Tesseract is built with OpenMP, and on
 * this 2-core machine a letter page at 200 dpi took 7.4 s wall (4.3 s user, 3.3 s sys spinning)
 * with its default threads and 1.4 s with one. Pages are read one at a time per document, and
 * several documents parse at once, so one thread per page is also the fair share.
 */
function tesseractEnv(): NodeJS.ProcessEnv {
  return { ...process.env, OMP_THREAD_LIMIT: "1" };
}

/**
 * Reads one image file with Tesseract, words with confidences as TSV on stdout. The file must be
 * one this module wrote after checking its magic bytes: Tesseract reads a file it cannot decode
 * as a *list of image paths* and opens each, so unchecked bytes could point it at any file.
 */
export async function recognizeImageFile(file: string, options: RecognizeOptions): Promise<RecognizedText> {
  const args = [file, "stdout", "-l", options.languages.join("+"), "--psm", "3"];
  if (options.dpi !== undefined) args.push("--dpi", String(options.dpi));
  if (options.tiffPage !== undefined) args.push("-c", `tessedit_page_number=${options.tiffPage}`);
  args.push("tsv");
  try {
    const { stdout, stderr } = await runTool("tesseract", args, {
      timeoutMs: options.timeoutMs,
      signal: options.signal,
      maxStdoutBytes: options.maxOutputBytes,
      page: options.page,
      env: tesseractEnv(),
    });
    if (LANGUAGE_NOT_LOADED.test(stderr)) {
      throw new OcrError("ocr_unavailable", `Tesseract could not load a language of ${args[3]}`, {
        page: options.page,
      });
    }
    return textFromTsv(stdout.toString("utf8"));
  } catch (err) {
    throw explainTesseractFailure(err, options.page);
  }
}

/** Tesseract's own words for what went wrong, mapped to codes. */
function explainTesseractFailure(err: unknown, page: number): unknown {
  if (!(err instanceof ToolExitError) || err.exitSignal !== null) return err;
  if (LANGUAGE_NOT_LOADED.test(err.stderr)) {
    return new OcrError("ocr_unavailable", `Tesseract cannot load its language data: ${err.message}`, {
      page,
    });
  }
  if (/cannot be read|Unsupported image type|Error in pixRead|Error in findFileFormat/i.test(err.stderr)) {
    return new OcrError("corrupt_file", `the image of page ${page} could not be decoded: ${err.message}`, {
      page,
      cause: err,
    });
  }
  return err;
}
