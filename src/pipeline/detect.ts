import { PipelineError } from "./errors.js";

export type DocumentType = "pdf" | "docx" | "html" | "markdown" | "text" | "log" | "csv" | "json";

export interface DetectInput {
  /** The first bytes of the file (at most 8 KiB are looked at). */
  head: Uint8Array;
  declaredContentType: string;
  filename: string;
}

export const DETECT_HEAD_BYTES = 8 * 1024;

const DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";

const typesByMime: Record<string, DocumentType> = {
  "application/pdf": "pdf",
  "application/x-pdf": "pdf",
  [DOCX_MIME]: "docx",
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
};

const typesByExtension: Record<string, DocumentType> = {
  pdf: "pdf",
  docx: "docx",
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
};

// Content types that say nothing beyond "some bytes" or "some text"; the extension refines them.
const genericMimes = new Set(["", "application/octet-stream", "binary/octet-stream", "text/plain"]);

/**
 * Decides how to parse a file: magic bytes first, then the declared content type, then the
 * filename extension. Throws `unsupported_type` for binary content that no parser handles.
 *
 * @example
 * detectDocumentType({ head, declaredContentType: 'application/octet-stream', filename: 'a.md' }) // 'markdown'
 */
export function detectDocumentType(input: DetectInput): DocumentType {
  const head = input.head.subarray(0, DETECT_HEAD_BYTES);
  const declared = typeFromDeclared(input.declaredContentType, input.filename);

  if (findAscii(head.subarray(0, 1024), "%PDF-") >= 0) return "pdf";
  if (startsWithBytes(head, [0x50, 0x4b, 0x03, 0x04])) {
    // Word writes word/document.xml among the first entries; a renamed .docx without it in the head
    // is still tried, and the DOCX parser refuses it if the entry is really missing.
    if (findAscii(head, "word/document.xml") >= 0 || declared === "docx") return "docx";
    throw new PipelineError("unsupported_type", "zip archive is not a Word document");
  }
  if (head.length > 0 && hasBinaryMagic(head)) {
    throw new PipelineError("unsupported_type", "binary file format is not supported");
  }
  if (declared === "pdf" || declared === "docx") {
    if (head.length === 0) return declared;
    throw new PipelineError("corrupt_file", `declared as ${declared} but has no ${declared} signature`);
  }
  if (head.length > 0 && !hasUtf16Bom(head) && looksBinary(head)) {
    throw new PipelineError("unsupported_type", "content is binary, not text");
  }
  const sniffed = sniffHtml(head, declared);
  if (sniffed) return sniffed;
  if (declared) return declared;
  if (genericMimes.has(baseMime(input.declaredContentType)) || isTextMime(input.declaredContentType)) {
    return "text";
  }
  throw new PipelineError("unsupported_type", `content type ${input.declaredContentType} is not supported`);
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
function sniffHtml(head: Uint8Array, declared: DocumentType | undefined): DocumentType | undefined {
  const text = new TextDecoder()
    .decode(head.subarray(0, 512))
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
  [0xd0, 0xcf, 0x11, 0xe0], // OLE2 (legacy .doc, .xls)
  [0x7f, 0x45, 0x4c, 0x46], // ELF
  [0x37, 0x7a, 0xbc, 0xaf], // 7z
  [0x52, 0x61, 0x72, 0x21], // RAR
];

function hasBinaryMagic(head: Uint8Array): boolean {
  return binaryMagics.some((magic) => startsWithBytes(head, magic));
}

function hasUtf16Bom(head: Uint8Array): boolean {
  return startsWithBytes(head, [0xff, 0xfe]) || startsWithBytes(head, [0xfe, 0xff]);
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
