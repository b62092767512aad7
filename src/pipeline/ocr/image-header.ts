import { OcrError } from "./errors.js";
import { ascii, type ImageFormat } from "./image-format.js";

export interface ImageSize {
  width: number;
  height: number;
}

/** What OCR needs to know before handing an image to Tesseract: its pages and their sizes. */
export interface ImageHeader {
  format: ImageFormat;
  /** One entry per page; only TIFF has more than one. */
  pages: ImageSize[];
}

// Walking a TIFF's directory chain costs nothing per page, but a crafted chain can be long.
const MAX_TIFF_DIRECTORIES = 100_000;

/**
 * Reads the pixel size of each page from the image's header, so that a decompression bomb (a
 * 100,000 x 100,000 PNG is a few KB) is refused before any decoder allocates it. Throws
 * `corrupt_file` for a header that is truncated or inconsistent, `unsupported_type` for BigTIFF.
 */
export function readImageHeader(bytes: Uint8Array, format: ImageFormat): ImageHeader {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  try {
    const pages = readers[format](view, bytes);
    if (pages.length === 0 || pages.some((p) => !(p.width > 0 && p.height > 0))) {
      throw new OcrError("corrupt_file", `the ${format.toUpperCase()} image has no valid dimensions`);
    }
    return { format, pages };
  } catch (err) {
    if (err instanceof RangeError) {
      throw new OcrError("corrupt_file", `the ${format.toUpperCase()} image is truncated`, { cause: err });
    }
    throw err;
  }
}

const readers: Record<ImageFormat, (view: DataView, bytes: Uint8Array) => ImageSize[]> = {
  // IHDR is always the first chunk: signature (8), length (4), "IHDR" (4), width, height.
  png: (view, bytes) => {
    if (ascii(bytes, 12, 4) !== "IHDR") throw new OcrError("corrupt_file", "the PNG image has no IHDR chunk");
    return [{ width: view.getUint32(16), height: view.getUint32(20) }];
  },
  jpeg: (view) => [readJpegFrame(view)],
  tiff: readTiffDirectories,
  webp: (view, bytes) => [readWebpSize(view, bytes)],
};

/** Walks the markers up to the first start-of-frame (SOF0-SOF15 except DHT, JPG and DAC). */
function readJpegFrame(view: DataView): ImageSize {
  let at = 2;
  for (;;) {
    if (view.getUint8(at) !== 0xff) throw new OcrError("corrupt_file", "the JPEG image has a broken marker");
    const marker = view.getUint8(at + 1);
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      at += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda)
      throw new OcrError("corrupt_file", "the JPEG image has no frame header");
    const length = view.getUint16(at + 2);
    const isFrame = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
    if (isFrame) return { height: view.getUint16(at + 5), width: view.getUint16(at + 7) };
    at += 2 + length;
  }
}

function readTiffDirectories(view: DataView): ImageSize[] {
  const little = view.getUint8(0) === 0x49;
  const magic = view.getUint16(2, little);
  if (magic === 43) throw new OcrError("unsupported_type", "BigTIFF images are not supported for OCR");
  const pages: ImageSize[] = [];
  const seen = new Set<number>();
  let offset = view.getUint32(4, little);
  while (offset !== 0) {
    if (seen.has(offset)) throw new OcrError("corrupt_file", "the TIFF image's directories form a loop");
    if (seen.size >= MAX_TIFF_DIRECTORIES) {
      throw new OcrError("too_complex", `the TIFF image has more than ${MAX_TIFF_DIRECTORIES} pages`);
    }
    seen.add(offset);
    const entries = view.getUint16(offset, little);
    let width = 0;
    let height = 0;
    for (let i = 0; i < entries; i++) {
      const entry = offset + 2 + i * 12;
      const tag = view.getUint16(entry, little);
      if (tag !== 256 && tag !== 257) continue;
      // ImageWidth and ImageLength are SHORT (3) or LONG (4), stored in the entry itself.
      const type = view.getUint16(entry + 2, little);
      const value = type === 3 ? view.getUint16(entry + 8, little) : view.getUint32(entry + 8, little);
      if (tag === 256) width = value;
      else height = value;
    }
    pages.push({ width, height });
    offset = view.getUint32(offset + 2 + entries * 12, little);
  }
  return pages;
}

/** The canvas of a simple lossy (VP8), lossless (VP8L) or extended (VP8X) WebP. */
function readWebpSize(view: DataView, bytes: Uint8Array): ImageSize {
  const chunk = ascii(bytes, 12, 4);
  if (chunk === "VP8X") {
    const width = 1 + (view.getUint16(24, true) | (view.getUint8(26) << 16));
    const height = 1 + (view.getUint16(27, true) | (view.getUint8(29) << 16));
    return { width, height };
  }
  if (chunk === "VP8L") {
    if (view.getUint8(20) !== 0x2f)
      throw new OcrError("corrupt_file", "the WebP image has a bad VP8L signature");
    const bits = view.getUint32(21, true);
    return { width: (bits & 0x3fff) + 1, height: ((bits >>> 14) & 0x3fff) + 1 };
  }
  if (chunk === "VP8 ") {
    // Frame tag (3 bytes), start code 9d 01 2a, then 14-bit width and height.
    if (view.getUint8(23) !== 0x9d || view.getUint8(24) !== 0x01 || view.getUint8(25) !== 0x2a) {
      throw new OcrError("corrupt_file", "the WebP image has a bad VP8 start code");
    }
    return { width: view.getUint16(26, true) & 0x3fff, height: view.getUint16(28, true) & 0x3fff };
  }
  throw new OcrError("corrupt_file", "the WebP image has no VP8, VP8L or VP8X chunk");
}
