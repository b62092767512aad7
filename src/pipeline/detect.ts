import { PipelineError } from "./errors.js";
import { detectImageFormat } from "./ocr/image-format.js";
import { decodeTextHead } from "./parse/decode-text.js";
import { wideTextEncoding } from "./parse/sniff-encoding.js";

export type DocumentType =
  | "pdf"
  | "docx"
  | "xlsx"
  | "pptx"
  | "odt"
  | "ods"
  | "odp"
  | "epub"
  | "eml"
  | "msg"
  | "doc"
  | "ppt"
  | "xls"
  | "rtf"
  | "html"
  | "markdown"
  | "text"
  | "log"
  | "csv"
  | "json"
  /** PNG, JPEG, TIFF or WebP: read by OCR. */
  | "image";

/**
 * What the first bytes can tell: a zip or an OLE2 compound file whose kind is decided only once
 * its directory is read (see `detectZipDocumentType` and `detectOleDocumentType`).
 */
export type DetectedType = DocumentType | "zip" | "ole";

/** Types whose text is written as Markdown; the others are passed through as they are. */
export const markdownTypes: ReadonlySet<DocumentType> = new Set([
  "pdf",
  "docx",
  "xlsx",
  "pptx",
  "odt",
  "ods",
  "odp",
  "epub",
  "eml",
  "msg",
  "doc",
  "ppt",
  "xls",
  "rtf",
  "html",
  "markdown",
]);

export interface DetectInput {
  /** The first bytes of the file (at most 8 KiB are looked at). */
  head: Uint8Array;
  declaredContentType: string;
  filename: string;
}

export const DETECT_HEAD_BYTES = 8 * 1024;

const OOXML = "application/vnd.openxmlformats-officedocument";
const ODF = "application/vnd.oasis.opendocument";

const typesByMime: Record<string, DocumentType> = {
  "application/pdf": "pdf",
  "application/x-pdf": "pdf",
  [`${OOXML}.wordprocessingml.document`]: "docx",
  [`${OOXML}.spreadsheetml.sheet`]: "xlsx",
  "application/vnd.ms-excel.sheet.macroenabled.12": "xlsx",
  [`${OOXML}.presentationml.presentation`]: "pptx",
  [`${ODF}.text`]: "odt",
  [`${ODF}.spreadsheet`]: "ods",
  [`${ODF}.presentation`]: "odp",
  "application/epub+zip": "epub",
  "message/rfc822": "eml",
  "application/vnd.ms-outlook": "msg",
  "application/msword": "doc",
  "application/vnd.ms-powerpoint": "ppt",
  "application/vnd.ms-excel": "xls",
  "application/rtf": "rtf",
  "text/rtf": "rtf",
  "text/html": "html",
  "application/xhtml+xml": "html",
  "text/markdown": "markdown",
  "text/x-markdown": "markdown",
  "text/plain": "text",
  "text/csv": "csv",
  "text/tab-separated-values": "csv",
  "application/csv": "csv",
  "application/json": "json",
  "application/x-ndjson": "json",
  "application/jsonl": "json",
  "text/x-log": "log",
  "image/png": "image",
  "image/jpeg": "image",
  "image/jpg": "image",
  "image/tiff": "image",
  "image/webp": "image",
};

const typesByExtension: Record<string, DocumentType> = {
  pdf: "pdf",
  docx: "docx",
  xlsx: "xlsx",
  xlsm: "xlsx",
  pptx: "pptx",
  odt: "odt",
  ods: "ods",
  odp: "odp",
  epub: "epub",
  eml: "eml",
  msg: "msg",
  doc: "doc",
  ppt: "ppt",
  pps: "ppt",
  xls: "xls",
  rtf: "rtf",
  html: "html",
  htm: "html",
  xhtml: "html",
  md: "markdown",
  markdown: "markdown",
  txt: "text",
  text: "text",
  log: "log",
  csv: "csv",
  tsv: "csv",
  json: "json",
  jsonl: "json",
  ndjson: "json",
  png: "image",
  jpg: "image",
  jpeg: "image",
  tif: "image",
  tiff: "image",
  webp: "image",
};

// Content types that say nothing beyond "some bytes" or "some text"; the extension refines them.
const genericMimes = new Set(["", "application/octet-stream", "binary/octet-stream", "text/plain"]);

/**
 * Decides how to parse a file: magic bytes first, then the declared content type, then the
 * filename extension. A zip or OLE2 file whose head does not say what it holds comes back as
 * `zip` or `ole`, to be decided from its directory once it is read. Throws `unsupported_type`
 * for binary content that no parser handles.
 *
 * @example
 * detectDocumentType({ head, declaredContentType: 'application/octet-stream', filename: 'a.md' }) // 'markdown'
 */
export function detectDocumentType(input: DetectInput): DetectedType {
  const head = input.head.subarray(0, DETECT_HEAD_BYTES);
  const declared = typeFromDeclared(input.declaredContentType, input.filename);

  if (findAscii(head.subarray(0, 1024), "%PDF-") >= 0) return "pdf";
  if (startsWithBytes(head, ZIP_MAGIC)) return zipTypeFromHead(head) ?? "zip";
  if (startsWithBytes(head, OLE_MAGIC)) return "ole";
  if (startsWithAscii(head, "{\\rtf")) return "rtf";
  if (detectImageFormat(head)) return "image";
  if (head.length > 0 && hasBinaryMagic(head)) {
    throw new PipelineError("unsupported_type", "binary file format is not supported");
  }
  if (declared && binaryTypes.has(declared)) {
    if (head.length === 0) return declared;
    throw new PipelineError("corrupt_file", `declared as ${declared} but has no ${declared} signature`);
  }
  if (head.length > 0 && !wideTextEncoding(head) && looksBinary(head)) {
    throw new PipelineError("unsupported_type", "content is binary, not text");
  }
  const sniffed = sniffHtml(decodeTextHead(head), declared);
  if (sniffed) return sniffed;
  if (declared) return declared;
  if (looksLikeEmail(decodeTextHead(head))) return "eml";
  if (genericMimes.has(baseMime(input.declaredContentType)) || isTextMime(input.declaredContentType)) {
    return "text";
  }
  throw new PipelineError("unsupported_type", `content type ${input.declaredContentType} is not supported`);
}

const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
const OLE_MAGIC = [0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1];
// Types that have a signature of their own: declared as one of these, text without it is corrupt.
const binaryTypes = new Set<DocumentType>([
  "pdf",
  "docx",
  "xlsx",
  "pptx",
  "odt",
  "ods",
  "odp",
  "epub",
  "msg",
  "doc",
  "ppt",
  "xls",
  "image",
]);

const typesByOdfMimetype: Record<string, DocumentType> = {
  [`${ODF}.text`]: "odt",
  [`${ODF}.spreadsheet`]: "ods",
  [`${ODF}.presentation`]: "odp",
  "application/epub+zip": "epub",
};

// OOXML's main parts; their folder alone names the format.
const ooxmlParts: [string, DocumentType][] = [
  ["word/document.xml", "docx"],
  ["xl/workbook.xml", "xlsx"],
  ["ppt/presentation.xml", "pptx"],
];

/**
 * The first entry of an ODF or EPUB file is `mimetype`, stored uncompressed (ODF 1.2 §3.3, OCF
 * 3.0 §4.2.2), so its content sits at a fixed place. OOXML writers put their main part among
 * the first local headers, usually within the head.
 */
function zipTypeFromHead(head: Uint8Array): DocumentType | undefined {
  const nameLength = head[26] ?? 0;
  const extraLength = (head[28] ?? 0) | ((head[29] ?? 0) << 8);
  if (nameLength === 8 && asciiAt(head, 30, 8) === "mimetype" && head[8] === 0) {
    const mimetype = asciiAt(head, 30 + 8 + extraLength, 80).replace(/[^\x21-\x7e].*$/s, "");
    const type = typesByOdfMimetype[mimetype];
    if (type) return type;
  }
  for (const [part, type] of ooxmlParts) if (findAscii(head, part) >= 0) return type;
  return undefined;
}

/**
 * Decides a zip's kind from its directory: OOXML by its main part, ODF and EPUB by the content
 * of their `mimetype` entry. Throws `unsupported_type` for any other archive.
 */
export function detectZipDocumentType(
  names: ReadonlySet<string>,
  mimetype: string | undefined,
): DocumentType {
  const byMimetype = mimetype && typesByOdfMimetype[mimetype.trim()];
  if (byMimetype) return byMimetype;
  for (const [part, type] of ooxmlParts) if (names.has(part)) return type;
  if (names.has("xl/workbook.bin")) {
    throw new PipelineError(
      "unsupported_type",
      "Excel binary workbooks (.xlsb) are not supported; save the file as .xlsx and upload it again",
    );
  }
  if (names.has("META-INF/container.xml")) return "epub";
  throw new PipelineError(
    "unsupported_type",
    "zip archive is not a document intake reads (DOCX, XLSX, PPTX, ODT, ODS, ODP or EPUB)",
  );
}

/**
 * The kind of an OLE2 compound file, from the stream names in its directory (see
 * readOleDirectoryNames): `EncryptedPackage` is a password-protected OOXML file, `__substg1.0_*`
 * streams an Outlook item, `WordDocument` a Word 97-2003 document, `PowerPoint Document` a
 * PowerPoint 97-2003 presentation, `Workbook` (or Excel 5.0/95's `Book`) an Excel workbook.
 */
export function detectOleDocumentType(names: ReadonlySet<string>): DocumentType {
  if (names.has("EncryptedPackage"))
    throw new PipelineError("encrypted_file", "Office document is password-protected");
  if ([...names].some((name) => name.startsWith("__substg1.0_"))) return "msg";
  if (names.has("WordDocument")) return "doc";
  if (names.has("PowerPoint Document")) return "ppt";
  if (names.has("Workbook") || names.has("Book")) return "xls";
  throw new PipelineError(
    "unsupported_type",
    "OLE2 compound file is not a Word, Outlook, Excel or PowerPoint file",
  );
}

// An e-mail without a declared type: a header block whose first lines are RFC 5322 fields,
// among them From and one of Date, Subject, To, Received, Message-ID or MIME-Version.
function looksLikeEmail(head: string): boolean {
  const text = head.slice(0, 4096);
  const block = text.split(/\r?\n\r?\n/, 1)[0] ?? "";
  const lines = block.split(/\r?\n/).filter((line) => !/^[ \t]/.test(line));
  if (lines.length < 2 || !lines.every((line) => /^[\x21-\x39\x3b-\x7e]+:/.test(line))) return false;
  const fields = new Set(lines.map((line) => line.slice(0, line.indexOf(":")).toLowerCase()));
  return (
    fields.has("from") &&
    ["date", "subject", "to", "received", "message-id", "mime-version"].some((f) => fields.has(f))
  );
}

function typeFromDeclared(contentType: string, filename: string): DocumentType | undefined {
  const mime = baseMime(contentType);
  const byExtension = typesByExtension[extensionOf(filename)];
  if (genericMimes.has(mime) && byExtension) return byExtension;
  const byMime = typesByMime[mime];
  if (byMime) return byMime;
  if (mime.endsWith("+json")) return "json";
  return byExtension;
}

function baseMime(contentType: string): string {
  return (contentType.split(";")[0] ?? "").trim().toLowerCase();
}

function isTextMime(contentType: string): boolean {
  return baseMime(contentType).startsWith("text/");
}

function extensionOf(filename: string): string {
  const base = filename.split(/[\\/]/).pop() ?? "";
  const dot = base.lastIndexOf(".");
  return dot > 0 ? base.slice(dot + 1).toLowerCase() : "";
}

// A doctype or <html> is decisive; weaker tags only count when nothing more specific was declared,
// because Markdown may open with an HTML comment or a <div>.
function sniffHtml(head: string, declared: DocumentType | undefined): DocumentType | undefined {
  const text = head
    .slice(0, 512)
    .replace(/^\uFEFF/, "")
    .trimStart();
  const lower = text.slice(0, 32).toLowerCase();
  if (lower.startsWith("<!doctype html") || /^<html[\s>]/.test(lower)) return "html";
  if (declared && declared !== "text") return undefined;
  if (/^<(head|body|title|table|p|div|h[1-6]|script|style)[\s>]/.test(lower)) return "html";
  return undefined;
}

const binaryMagics: number[][] = [
  [0x89, 0x50, 0x4e, 0x47], // PNG
  [0xff, 0xd8, 0xff], // JPEG
  [0x47, 0x49, 0x46, 0x38], // GIF
  [0x1f, 0x8b], // gzip
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0x37, 0x7a, 0xbc, 0xaf], // 7z
  [0x52, 0x61, 0x72, 0x21], // RAR
];

function hasBinaryMagic(head: Uint8Array): boolean {
  return binaryMagics.some((magic) => startsWithBytes(head, magic));
}

// Text in any ASCII-compatible encoding has no NUL and few C0 controls other than tab, LF, FF, CR
// and ESC (ANSI colours in logs); 10% is far above what real text shows.
function looksBinary(head: Uint8Array): boolean {
  let controls = 0;
  for (const byte of head) {
    if (byte === 0) return true;
    if (byte < 0x20 && byte !== 0x09 && byte !== 0x0a && byte !== 0x0c && byte !== 0x0d && byte !== 0x1b) {
      controls += 1;
    }
  }
  return controls / head.length > 0.1;
}

function startsWithAscii(head: Uint8Array, text: string): boolean {
  return asciiAt(head, 0, text.length) === text;
}

function asciiAt(bytes: Uint8Array, at: number, length: number): string {
  return String.fromCharCode(...bytes.subarray(at, at + length));
}

function startsWithBytes(head: Uint8Array, bytes: number[]): boolean {
  return bytes.every((byte, i) => head[i] === byte);
}

function findAscii(haystack: Uint8Array, needle: string): number {
  const first = needle.charCodeAt(0);
  outer: for (
    let i = haystack.indexOf(first);
    i >= 0 && i <= haystack.length - needle.length;
    i = haystack.indexOf(first, i + 1)
  ) {
    for (let j = 1; j < needle.length; j++) {
      if (haystack[i + j] !== needle.charCodeAt(j)) continue outer;
    }
    return i;
  }
  return -1;
}
