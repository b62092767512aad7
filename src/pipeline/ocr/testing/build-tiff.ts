import type { GrayImage } from "../../testing/build-image-pdf.js";

/**
 * Writes an uncompressed 8-bit grayscale TIFF with one directory (page) per image, in either
 * byte order: the multi-page TIFF a fax or a document scanner produces, without ImageMagick.
 */
export function buildGrayTiff(pages: readonly GrayImage[], byteOrder: "II" | "MM" = "II"): Uint8Array {
  const little = byteOrder === "II";
  const ENTRIES = 9;
  const directoryBytes = 2 + ENTRIES * 12 + 4;
  let size = 8;
  const layout = pages.map((page) => {
    const directory = size;
    const pixels = directory + directoryBytes;
    size = pixels + page.pixels.length + (page.pixels.length % 2); // keep directories word-aligned
    return { directory, pixels };
  });
  const bytes = new Uint8Array(size);
  const view = new DataView(bytes.buffer);
  bytes.set(little ? [0x49, 0x49] : [0x4d, 0x4d]);
  view.setUint16(2, 42, little);
  view.setUint32(4, layout[0]?.directory ?? 0, little);
  pages.forEach((page, i) => {
    const { directory, pixels } = layout[i]!;
    view.setUint16(directory, ENTRIES, little);
    // Tags in ascending order, as TIFF 6.0 requires: type 3 SHORT, 4 LONG.
    const entries: [tag: number, type: 3 | 4, value: number][] = [
      [256, 4, page.width], // ImageWidth
      [257, 4, page.height], // ImageLength
      [258, 3, 8], // BitsPerSample
      [259, 3, 1], // Compression: none
      [262, 3, 1], // PhotometricInterpretation: BlackIsZero
      [273, 4, pixels], // StripOffsets
      [277, 3, 1], // SamplesPerPixel
      [278, 4, page.height], // RowsPerStrip: one strip
      [279, 4, page.pixels.length], // StripByteCounts
    ];
    entries.forEach(([tag, type, value], j) => {
      const at = directory + 2 + j * 12;
      view.setUint16(at, tag, little);
      view.setUint16(at + 2, type, little);
      view.setUint32(at + 4, 1, little);
      if (type === 3) view.setUint16(at + 8, value, little);
      else view.setUint32(at + 8, value, little);
    });
    const nextDirectory = layout[i + 1]?.directory ?? 0;
    view.setUint32(directory + 2 + ENTRIES * 12, nextDirectory, little);
    bytes.set(page.pixels, pixels);
  });
  return bytes;
}
