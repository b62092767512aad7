import { readFile } from "node:fs/promises";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { sharedCorpusDir } from "../testing/shared-corpus.js";
import { detectImageFormat } from "./image-format.js";
import { readImageHeader } from "./image-header.js";
import { buildGrayTiff } from "./testing/build-tiff.js";
import { renderTextPage } from "./testing/render-text.js";

const CORPUS = path.join(sharedCorpusDir(), "img");

function webp(chunk: string, payload: number[]): Uint8Array {
  const bytes = new Uint8Array(40);
  bytes.set(Buffer.from(`RIFF\0\0\0\0WEBP${chunk}`, "latin1"));
  bytes.set(payload, 16);
  return bytes;
}

const gray = (width: number, height: number) => ({
  width,
  height,
  pixels: new Uint8Array(width * height).fill(255),
});

describe("detectImageFormat and readImageHeader", () => {
  it("recognize PNG and JPEG as pdftoppm writes them, with their pixel size", {
    timeout: 20_000,
  }, async () => {
    const png = await renderTextPage(["x"], "png", 100);
    const jpeg = await renderTextPage(["x"], "jpeg", 100);
    expect(detectImageFormat(png)).toBe("png");
    expect(detectImageFormat(jpeg)).toBe("jpeg");
    // A letter page (612 x 792 pt) at 100 dpi.
    expect(readImageHeader(png, "png").pages).toEqual([{ width: 850, height: 1100 }]);
    expect(readImageHeader(jpeg, "jpeg").pages).toEqual([{ width: 850, height: 1100 }]);
  });

  it("reads every page of a TIFF in either byte order", () => {
    for (const order of ["II", "MM"] as const) {
      const tiff = buildGrayTiff([gray(30, 20), gray(7, 9), gray(300, 1)], order);
      expect(detectImageFormat(tiff)).toBe("tiff");
      expect(readImageHeader(tiff, "tiff").pages).toEqual([
        { width: 30, height: 20 },
        { width: 7, height: 9 },
        { width: 300, height: 1 },
      ]);
    }
  });

  it("reads the corpus's scans: a two-page little-endian TIFF, a big-endian TIFF, a JPEG", async () => {
    const combined = new Uint8Array(await readFile(`${CORPUS}/layout-parser-paper-combined.tiff`));
    const fast = new Uint8Array(await readFile(`${CORPUS}/layout-parser-paper-fast.tiff`));
    const jpeg = new Uint8Array(await readFile(`${CORPUS}/DA-1p.jpg`));
    expect(readImageHeader(combined, "tiff").pages).toEqual([
      { width: 612, height: 792 },
      { width: 791, height: 1024 },
    ]);
    expect(Buffer.from(fast.subarray(0, 2)).toString()).toBe("MM");
    expect(readImageHeader(fast, "tiff").pages).toEqual([{ width: 612, height: 792 }]);
    expect(readImageHeader(jpeg, detectImageFormat(jpeg)!).pages).toEqual([{ width: 595, height: 842 }]);
  });

  it("reads the canvas of lossless, lossy and extended WebP", () => {
    // VP8L: signature 0x2f, then width-1 and height-1 in 14 bits each.
    const bits = (640 - 1) | ((480 - 1) << 14);
    const lossless = webp("VP8L", [
      0,
      0,
      0,
      0,
      0x2f,
      bits & 0xff,
      (bits >> 8) & 0xff,
      (bits >> 16) & 0xff,
      bits >>> 24,
    ]);
    // VP8: 3-byte frame tag, start code 9d 01 2a, 14-bit width and height.
    const lossy = webp("VP8 ", [0, 0, 0, 0, 0, 0, 0, 0x9d, 0x01, 0x2a, 0x20, 0x03, 0x58, 0x02]);
    // VP8X: flags (4), then canvas width-1 and height-1 in 24 bits each.
    const extended = webp("VP8X", [0, 0, 0, 0, 0, 0, 0, 0, 0x0f, 0x27, 0x00, 0x9f, 0x0f, 0x00]);
    for (const image of [lossless, lossy, extended]) expect(detectImageFormat(image)).toBe("webp");
    expect(readImageHeader(lossless, "webp").pages).toEqual([{ width: 640, height: 480 }]);
    expect(readImageHeader(lossy, "webp").pages).toEqual([{ width: 800, height: 600 }]);
    expect(readImageHeader(extended, "webp").pages).toEqual([{ width: 10_000, height: 4_000 }]);
  });

  it("recognize nothing in other bytes", () => {
    const others = [
      "%PDF-1.7",
      "PK\u0003\u0004",
      "GIF89a",
      "BM6",
      "RIFF\0\0\0\0WAVE",
      "hello",
      "",
      "\u00ff\u00d8",
    ];
    for (const text of others) expect(detectImageFormat(Buffer.from(text, "latin1")), text).toBeUndefined();
  });

  it("refuse truncated and inconsistent headers as corrupt, BigTIFF as unsupported", async () => {
    const png = await renderTextPage(["x"], "png", 50);
    const corrupt = expect.objectContaining({ code: "corrupt_file" });
    expect(() => readImageHeader(png.subarray(0, 20), "png")).toThrow(corrupt);
    expect(() => readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 16]), "jpeg")).toThrow(corrupt);
    expect(() => readImageHeader(Buffer.from([0xff, 0xd8, 0xff, 0xd9]), "jpeg")).toThrow(corrupt);
    expect(() => readImageHeader(webp("VP8X", []).subarray(0, 24), "webp")).toThrow(corrupt);
    expect(() => readImageHeader(webp("ALPH", []), "webp")).toThrow(corrupt);
    // A directory whose "next" offset points back at itself.
    const loop = buildGrayTiff([gray(4, 4)]);
    new DataView(loop.buffer).setUint32(8 + 2 + 9 * 12, 8, true);
    expect(() => readImageHeader(loop, "tiff")).toThrow(
      expect.objectContaining({ code: "corrupt_file", message: expect.stringMatching(/loop/) }),
    );
    const bigTiff = Buffer.from([0x49, 0x49, 0x2b, 0x00, 8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect(detectImageFormat(bigTiff)).toBe("tiff");
    expect(() => readImageHeader(bigTiff, "tiff")).toThrow(
      expect.objectContaining({ code: "unsupported_type" }),
    );
    // A zero-sized page.
    expect(() =>
      readImageHeader(buildGrayTiff([{ width: 0, height: 5, pixels: new Uint8Array(0) }]), "tiff"),
    ).toThrow(corrupt);
  });
});
