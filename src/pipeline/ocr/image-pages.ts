import { writeFile } from "node:fs/promises";
import path from "node:path";
import { assertOcrReady, ocrAvailability } from "./availability.js";
import { OcrError } from "./errors.js";
import { detectImageFormat, IMAGE_HEAD_BYTES, type ImageFormat } from "./image-format.js";
import { readImageHeader } from "./image-header.js";
import { type OcrOptions, type OcrResult, resolveOcrOptions } from "./options.js";
import { readPages } from "./page-loop.js";
import { withPrivateDir } from "./private-dir.js";
import { recognizeImageFile } from "./tesseract.js";

const EXTENSIONS: Record<ImageFormat, string> = { png: "png", jpeg: "jpg", tiff: "tif", webp: "webp" };

/**
 * Reads the text of an image: PNG, JPEG, WebP (one page) or TIFF (one page per directory).
 * The format is taken from the magic bytes and each page's size from the header before any
 * decoder runs. Throws `OcrError`: `corrupt_file` for bytes that are no image or a broken one,
 * `too_complex` for a page over `maxPagePixels`, `unsupported_type` for WebP where Tesseract was
 * built without libwebp, `ocr_timeout` for a page over its budget, `ocr_unavailable` when
 * Tesseract or a language is missing; `signal.reason` when aborted.
 *
 * @example
 * const { pages } = await ocrImagePages(bytes, { languages: ["eng"], onPage: (p) => sink.write(p.text) });
 */
export async function ocrImagePages(bytes: Uint8Array, options: OcrOptions = {}): Promise<OcrResult> {
  const resolved = resolveOcrOptions(options);
  resolved.signal?.throwIfAborted();
  const format = detectImageFormat(bytes.subarray(0, IMAGE_HEAD_BYTES));
  if (format === undefined)
    throw new OcrError("corrupt_file", "the file is not a PNG, JPEG, TIFF or WebP image");
  const header = readImageHeader(bytes, format);
  await assertOcrReady(resolved.languages, { pdf: false });
  if (format === "webp" && !(await ocrAvailability()).imageFormats.includes("webp")) {
    throw new OcrError("unsupported_type", "this machine's Tesseract was built without WebP support");
  }
  const pageNumbers = header.pages.map((_, i) => i + 1);
  header.pages.slice(0, resolved.maxPages).forEach(({ width, height }, i) => {
    if (width * height > resolved.maxPagePixels) {
      throw new OcrError(
        "too_complex",
        `page ${i + 1} of the image is ${width} x ${height} pixels; the limit is ${resolved.maxPagePixels} pixels`,
        { page: i + 1 },
      );
    }
  });

  return withPrivateDir(async (dir) => {
    const file = path.join(dir, `image.${EXTENSIONS[format]}`);
    await writeFile(file, bytes, { mode: 0o600 });
    return readPages(pageNumbers, resolved, (page, timeLeft) =>
      recognizeImageFile(file, {
        languages: resolved.languages,
        timeoutMs: timeLeft(),
        maxOutputBytes: resolved.maxOutputBytesPerPage,
        signal: resolved.signal,
        tiffPage: format === "tiff" ? page - 1 : undefined,
        page,
      }),
    );
  });
}
