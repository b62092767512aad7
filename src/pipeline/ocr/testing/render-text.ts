import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import type { GrayImage } from "../../testing/build-image-pdf.js";
import { buildPdf } from "../../testing/build-pdf.js";

const run = promisify(execFile);

export type RenderedFormat = "pgm" | "png" | "jpeg" | "tiff";

/**
 * Renders `lines` as black 14-pt Helvetica on a white letter page with poppler's pdftoppm: the
 * scan of a known text, made by the test itself with a tool OCR needs anyway. Returns the file
 * pdftoppm wrote in `format` (`pgm` for a raw gray bitmap, see `parsePgm`).
 */
export async function renderTextPage(
  lines: readonly string[],
  format: RenderedFormat,
  dpi = 200,
): Promise<Uint8Array> {
  const content = lines
    .map(
      (line, i) => `${i === 0 ? "72 700 Td" : "0 -24 Td"} (${line.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj`,
    )
    .join(" ");
  const pdf = buildPdf([`BT /F1 14 Tf ${content} ET`], { rawStreams: true });
  const dir = await mkdtemp(path.join(os.tmpdir(), "intake-ocr-test-"));
  try {
    await writeFile(path.join(dir, "page.pdf"), pdf);
    const formatArgs = { pgm: ["-gray"], png: ["-png"], jpeg: ["-jpeg"], tiff: ["-tiff", "-gray"] }[format];
    const extension = { pgm: "pgm", png: "png", jpeg: "jpg", tiff: "tif" }[format];
    await run("pdftoppm", ["-r", String(dpi), ...formatArgs, "-singlefile", "page.pdf", "page"], {
      cwd: dir,
    });
    return new Uint8Array(await readFile(path.join(dir, `page.${extension}`)));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Renders `lines` and returns the page's bitmap. */
export async function renderTextBitmap(lines: readonly string[], dpi = 200): Promise<GrayImage> {
  return parsePgm(await renderTextPage(lines, "pgm", dpi));
}

/** Reads a binary PGM (P5, maxval 255): "P5\n<width> <height>\n255\n" then the pixels. */
export function parsePgm(bytes: Uint8Array): GrayImage {
  const header = /^P5\s+(\d+)\s+(\d+)\s+255\s/.exec(Buffer.from(bytes.subarray(0, 64)).toString("latin1"));
  if (!header) throw new Error("not an 8-bit binary PGM");
  const width = Number(header[1]);
  const height = Number(header[2]);
  return { width, height, pixels: bytes.subarray(header[0].length, header[0].length + width * height) };
}
