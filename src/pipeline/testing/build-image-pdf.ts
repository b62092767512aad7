import { deflateSync } from "node:zlib";

/** An 8-bit grayscale bitmap, row by row, one byte per pixel (0 black, 255 white). */
export interface GrayImage {
  width: number;
  height: number;
  pixels: Uint8Array;
}

/** A page of an image-only or mixed PDF. */
export type ImagePdfPage =
  /** A scan: the bitmap, deflated into a /FlateDecode DeviceGray XObject, filling the page. */
  | { gray: GrayImage; widthPt?: number; heightPt?: number }
  /** A scan stored as a JPEG (/DCTDecode); `components` 1 for gray, 3 for RGB. */
  | {
      jpeg: Uint8Array;
      width: number;
      height: number;
      components: 1 | 3;
      widthPt?: number;
      heightPt?: number;
    }
  /** A page with a real text layer: one Helvetica line per entry. */
  | { textLines: string[] };

const LETTER = { widthPt: 612, heightPt: 792 };

/**
 * Writes a PDF 1.4 by hand whose pages are scans (an image XObject and nothing else, so no text
 * layer at all) or text pages, as a scanner or a scan-then-append workflow produces them.
 * Binary-safe: image streams are raw bytes, the xref offsets count bytes. `paddingBytes` adds an
 * unreferenced stream of that many bytes, for a large file whose pages are still small.
 */
export function buildImagePdf(pages: readonly ImagePdfPage[], paddingBytes = 0): Uint8Array {
  const objects: (string | Uint8Array)[] = [];
  const fontId = 3;
  const pageIds: number[] = [];
  let next = 4;
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[fontId] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
  for (const page of pages) {
    const pageId = next++;
    const contentId = next++;
    pageIds.push(pageId);
    if ("textLines" in page) {
      const lines = page.textLines.map(
        (line, i) => `${i === 0 ? "72 720 Td" : "0 -24 Td"} (${escapePdf(line)}) Tj`,
      );
      const content = `BT /F1 14 Tf ${lines.join(" ")} ET`;
      objects[pageId] =
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${LETTER.widthPt} ${LETTER.heightPt}] ` +
        `/Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${contentId} 0 R >>`;
      objects[contentId] = stream("", latin1(content));
      continue;
    }
    const imageId = next++;
    const { widthPt = LETTER.widthPt, heightPt = LETTER.heightPt } = page;
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${widthPt} ${heightPt}] ` +
      `/Resources << /XObject << /Im0 ${imageId} 0 R >> >> /Contents ${contentId} 0 R >>`;
    objects[contentId] = stream("", latin1(`q ${widthPt} 0 0 ${heightPt} 0 0 cm /Im0 Do Q`));
    objects[imageId] =
      "gray" in page
        ? stream(
            `/Type /XObject /Subtype /Image /Width ${page.gray.width} /Height ${page.gray.height} ` +
              "/ColorSpace /DeviceGray /BitsPerComponent 8 /Filter /FlateDecode",
            deflateSync(page.gray.pixels),
          )
        : stream(
            `/Type /XObject /Subtype /Image /Width ${page.width} /Height ${page.height} ` +
              `/ColorSpace /${page.components === 1 ? "DeviceGray" : "DeviceRGB"} /BitsPerComponent 8 /Filter /DCTDecode`,
            page.jpeg,
          );
  }
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pageIds.length} >>`;
  if (paddingBytes > 0) objects[next++] = stream("", new Uint8Array(paddingBytes));

  const parts: Uint8Array[] = [latin1("%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n")];
  let length = parts[0]!.length;
  const offsets: number[] = [];
  const push = (part: Uint8Array) => {
    parts.push(part);
    length += part.length;
  };
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = length;
    const body = objects[id] ?? "null";
    push(latin1(`${id} 0 obj\n`));
    push(typeof body === "string" ? latin1(body) : body);
    push(latin1("\nendobj\n"));
  }
  const xrefOffset = length;
  let xref = `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) xref += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  xref += `trailer\n<< /Size ${objects.length} /Root 1 0 R >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  push(latin1(xref));
  // A plain Uint8Array: pdf.js refuses Buffers.
  return new Uint8Array(Buffer.concat(parts));
}

function stream(dictionary: string, data: Uint8Array): Uint8Array {
  return Buffer.concat([
    latin1(`<< ${dictionary} /Length ${data.length} >>\nstream\n`),
    data,
    latin1("\nendstream"),
  ]);
}

function escapePdf(text: string): string {
  return text.replace(/[\\()]/g, (c) => `\\${c}`);
}

function latin1(text: string): Uint8Array {
  return Buffer.from(text, "latin1");
}
