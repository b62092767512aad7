/** Image formats OCR reads directly; each is recognized by its magic bytes. */
export type ImageFormat = "png" | "jpeg" | "tiff" | "webp";

/** Bytes `detectImageFormat` needs to see. */
export const IMAGE_HEAD_BYTES = 12;

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/**
 * The image format of `head` by its magic bytes, or undefined. Only the signature is checked:
 * `readImageHeader` then reads dimensions and pages, and refuses what is truncated.
 *
 * @example
 * detectImageFormat(new Uint8Array([0xff, 0xd8, 0xff, 0xe0])) // "jpeg"
 */
export function detectImageFormat(head: Uint8Array): ImageFormat | undefined {
  if (startsWith(head, PNG_SIGNATURE)) return "png";
  // SOI followed by the first marker's 0xFF (JFIF, Exif and bare JPEGs alike).
  if (startsWith(head, [0xff, 0xd8, 0xff])) return "jpeg";
  // "II*\0" little-endian, "MM\0*" big-endian; BigTIFF (43) is recognized so it can be refused by name.
  if (startsWith(head, [0x49, 0x49, 0x2a, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2a])) return "tiff";
  if (startsWith(head, [0x49, 0x49, 0x2b, 0x00]) || startsWith(head, [0x4d, 0x4d, 0x00, 0x2b])) return "tiff";
  // "RIFF", 4 bytes of size, "WEBP".
  if (startsWith(head, [0x52, 0x49, 0x46, 0x46]) && ascii(head, 8, 4) === "WEBP") return "webp";
  return undefined;
}

/** The content type intake records for each format. */
export const IMAGE_CONTENT_TYPES: Readonly<Record<ImageFormat, string>> = Object.freeze({
  png: "image/png",
  jpeg: "image/jpeg",
  tiff: "image/tiff",
  webp: "image/webp",
});

function startsWith(bytes: Uint8Array, prefix: number[]): boolean {
  return bytes.length >= prefix.length && prefix.every((b, i) => bytes[i] === b);
}

export function ascii(bytes: Uint8Array, at: number, length: number): string {
  if (at + length > bytes.length) return "";
  return String.fromCharCode(...bytes.subarray(at, at + length));
}
