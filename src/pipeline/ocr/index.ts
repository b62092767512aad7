// OCR of scanned PDF pages and images with Tesseract (Debian `tesseract-ocr`) and poppler's
// pdftoppm (`poppler-utils`), run as child processes with a budget per page, a cap on pages and
// cancellation that kills them. Meant to run inside a parse thread of the sandbox.
export { imageFormatsOf, type OcrAvailability, ocrAvailability } from "./availability.js";
export { isOcrError, OcrError, type OcrErrorCode } from "./errors.js";
export {
  detectImageFormat,
  IMAGE_CONTENT_TYPES,
  IMAGE_HEAD_BYTES,
  type ImageFormat,
} from "./image-format.js";
export { type ImageHeader, type ImageSize, readImageHeader } from "./image-header.js";
export { ocrImagePages } from "./image-pages.js";
export { DEFAULT_OCR_LANGUAGES, missingLanguages, parseOcrLanguages } from "./languages.js";
export {
  defaultOcrOptions,
  type OcrOptions,
  type OcrPage,
  type OcrProgress,
  type OcrResult,
  resolveOcrOptions,
} from "./options.js";
export {
  countTextChars,
  DEFAULT_MIN_CHARS_PER_SQUARE_INCH,
  type PageSelectionOptions,
  type PdfPageTextLayer,
  pagesNeedingOcr,
  preferredPageText,
  textDensity,
} from "./page-selection.js";
export { type PdfFile, PdfOcrSession, removePdfFile, writePdfFile } from "./pdf-ocr-session.js";
export { ocrPdfPages } from "./pdf-pages.js";
export { rasterDpi } from "./raster-resolution.js";
