import { describe, expect, it } from "vitest";
import { imageFormatsOf } from "./availability.js";
import { missingLanguages, parseListLangs, parseOcrLanguages } from "./languages.js";
import { parsePdfInfo } from "./pdf-info.js";
import { textFromTsv } from "./tesseract-tsv.js";

describe("parseOcrLanguages", () => {
  it("splits eng+deu and drops duplicates", () => {
    expect(parseOcrLanguages("eng")).toEqual(["eng"]);
    expect(parseOcrLanguages(" eng+deu+eng ")).toEqual(["eng", "deu"]);
    expect(parseOcrLanguages("chi_sim+script/Latin")).toEqual(["chi_sim", "script/Latin"]);
  });

  it("refuses anything that is not a language name, so nothing else reaches Tesseract's command line", () => {
    for (const bad of ["", "eng+", "eng deu", "eng,deu", "../../etc/passwd", "-c x=1", "eng+--help"]) {
      expect(() => parseOcrLanguages(bad), bad).toThrow(/like eng\+deu/);
    }
  });

  it("reads --list-langs and names the languages that are missing", () => {
    const installed = parseListLangs(
      'List of available languages in "/usr/share/tesseract-ocr/5/tessdata/" (2):\neng\nosd\n',
    );
    expect(installed).toEqual(["eng", "osd"]);
    expect(missingLanguages(["eng", "deu"], installed)).toEqual(["deu"]);
  });
});

describe("imageFormatsOf", () => {
  it("lists the formats Leptonica was built with", () => {
    const version =
      "tesseract 5.3.0\n leptonica-1.82.0\n  libgif 5.2.1 : libjpeg 6b (libjpeg-turbo 2.1.2) : libpng 1.6.39 : libtiff 4.5.0 : zlib 1.2.13 : libwebp 1.2.4";
    expect(imageFormatsOf(version)).toEqual(["png", "jpeg", "tiff", "webp"]);
    expect(imageFormatsOf("tesseract 4.1.1\n leptonica-1.79.0\n  libpng 1.6.37")).toEqual(["png"]);
  });
});

describe("textFromTsv", () => {
  const header =
    "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext";
  const word = (block: number, par: number, line: number, conf: number, text: string) =>
    `5\t1\t${block}\t${par}\t${line}\t1\t0\t0\t10\t10\t${conf}\t${text}`;

  it("lays words out as lines and paragraphs and averages their confidence", () => {
    const tsv = [
      header,
      "1\t1\t0\t0\t0\t0\t0\t0\t1700\t2200\t-1\t",
      word(1, 1, 1, 90, "Hello"),
      word(1, 1, 1, 80, "world."),
      word(1, 1, 2, 70, "Second"),
      "4\t1\t1\t1\t2\t0\t0\t0\t10\t10\t-1\t",
      word(1, 1, 2, 60, "line"),
      word(2, 1, 1, 100, "New"),
      word(2, 1, 1, -1, " "),
      word(2, 1, 1, 100, "block"),
    ].join("\n");
    expect(textFromTsv(tsv)).toEqual({
      text: "Hello world.\nSecond line\n\nNew block",
      words: 6,
      confidence: 83.3,
    });
  });

  it("gives an empty page no confidence", () => {
    expect(textFromTsv(`${header}\n1\t1\t0\t0\t0\t0\t0\t0\t10\t10\t-1\t\n`)).toEqual({
      text: "",
      words: 0,
      confidence: undefined,
    });
  });
});

describe("parsePdfInfo", () => {
  it("reads the page count and each page's size", () => {
    const info = parsePdfInfo(
      "Producer:        macOS\nPages:           2\nEncrypted:       no\n" +
        "Page    1 size:  612 x 792 pts (letter)\nPage    1 rot:   0\n" +
        "Page    2 size:  595.276 x 841.89 pts (A4)\nPage    2 rot:   90\nFile size:       270117 bytes\n",
    );
    expect(info.pageCount).toBe(2);
    expect([...info.sizes]).toEqual([
      [1, { widthPt: 612, heightPt: 792 }],
      [2, { widthPt: 595.276, heightPt: 841.89 }],
    ]);
  });

  it("calls output without a page count a corrupt file", () => {
    expect(() => parsePdfInfo("Syntax Error: Couldn't read xref table\n")).toThrow(
      expect.objectContaining({ code: "corrupt_file" }),
    );
  });
});
