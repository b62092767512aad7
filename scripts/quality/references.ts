// The independent reference text of each corpus format, and why that tool (see also README.md,
// "Quality benchmark"). Every reference comes from a Debian package, none from intake's code.
import { readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { type Conversion, ConversionCache } from "./cache.js";
import { decodeBytes } from "./decode-bytes.js";
import { calcText, impressText, writerText } from "./libreoffice.js";
import { commandOutput } from "./run-command.js";
import { type ToolName, toolVersion } from "./tools.js";

const TIMEOUT_MS = 180_000;
const EMAIL_SCRIPT = fileURLToPath(new URL("./email_reference.py", import.meta.url));

export interface Reference {
  /** Names the recipe in cache keys and reports; bump its suffix when the recipe changes. */
  id: string;
  /** The Debian tool it runs; none for text files, which are read as they are. */
  tool?: ToolName;
  convert(file: string, slot: number): Promise<string>;
}

const pandoc = (from: string): Reference => ({
  // html-3: a page that is not UTF-8 is decoded in the charset its <meta> declares.
  id: from === "html" ? "pandoc-html-3" : `pandoc-${from}-2`,
  tool: "pandoc",
  // pandoc reads UTF-8 only (a cp1252 or UTF-16 page comes out as mojibake), so text is decoded first.
  async convert(file) {
    const bytes = from === "epub" ? undefined : await readFile(file);
    const input = bytes && decodeBytes(bytes, { markupCharset: from === "html" });
    const args = ["-f", from, "-t", "plain", "--wrap=none", ...(input === undefined ? [file] : [])];
    return (await commandOutput("pandoc", args, { timeoutMs: TIMEOUT_MS, stdin: input })).toString("utf8");
  },
});

const writer: Reference = { id: "libreoffice-writer-txt-1", tool: "writer", convert: writerText };
const calc: Reference = { id: "libreoffice-calc-csv-1", tool: "calc", convert: calcText };
const impress: Reference = { id: "libreoffice-impress-fodp-2", tool: "impress", convert: impressText };

const email: Reference = {
  id: "python-email-1",
  tool: "python",
  async convert(file) {
    return (await commandOutput("python3", [EMAIL_SCRIPT, file], { timeoutMs: TIMEOUT_MS })).toString("utf8");
  },
};

const outlookMsg: Reference = {
  id: "msgconvert-python-email-1",
  tool: "msgconvert",
  async convert(file, slot) {
    const eml = path.join(os.tmpdir(), `intake-quality-${process.pid}-${slot}.eml`);
    try {
      await commandOutput("msgconvert", ["--outfile", eml, file], { timeoutMs: TIMEOUT_MS });
      return await email.convert(eml, slot);
    } finally {
      await rm(eml, { force: true });
    }
  },
};

const pdftotext: Reference = {
  id: "pdftotext-1",
  tool: "pdftotext",
  // Reading order, not -layout: it is the order an ingest pipeline wants, and -layout's padding
  // of columns side by side changes no word of a bag-of-words score.
  async convert(file) {
    return (
      await commandOutput("pdftotext", ["-enc", "UTF-8", file, "-"], { timeoutMs: TIMEOUT_MS })
    ).toString();
  },
};

// Text formats are their own reference: the file's words, decoded by BOM, UTF-8 or cp1252.
const plain: Reference = {
  id: "plain-2",
  async convert(file) {
    return decodeBytes(await readFile(file));
  },
};

const NEEDS_OCR =
  "no text reference: an image needs OCR, which neither intake nor markitdown (without an LLM) does";

/** Reference per format (lowercased extension); a string says why the format has none. */
const REFERENCES: Record<string, Reference | string> = {
  pdf: pdftotext,
  docx: writer,
  doc: writer,
  odt: writer,
  rtf: writer,
  xlsx: calc,
  xls: calc,
  ods: calc,
  pptx: impress,
  ppt: impress,
  odp: impress,
  epub: pandoc("epub"),
  html: pandoc("html"),
  md: pandoc("markdown"),
  rst: pandoc("rst"),
  org: pandoc("org"),
  eml: email,
  p7s: email,
  msg: outlookMsg,
  jpg: NEEDS_OCR,
  png: NEEDS_OCR,
  tiff: NEEDS_OCR,
  zip: "no reference: the corpus's archive holds copies of files that are scored on their own",
};

/**
 * The reference for `format`, or why it has none; formats not listed are text (txt, csv, json,
 * xml, ...) and are their own reference.
 */
export function referenceFor(format: string): Reference | string {
  return REFERENCES[format] ?? plain;
}

const cache = new ConversionCache("quality-refs");

/** The reference text of `file`, from the cache when this file met this tool version before. */
export async function referenceText(
  reference: Reference,
  file: { path: string; sha256: string; format: string },
  slot: number,
): Promise<Conversion> {
  const version = reference.tool ? await toolVersion(reference.tool) : "builtin";
  const key = [file.sha256, file.format, reference.id, version];
  return cache.getOrConvert(key, async () => {
    try {
      return { text: await reference.convert(file.path, slot) };
    } catch (error) {
      return { error: (error as Error).message };
    }
  });
}
