import {
  DETECT_HEAD_BYTES,
  type DetectedType,
  type DocumentType,
  detectDocumentType,
  detectOleDocumentType,
  detectZipDocumentType,
} from "../detect.js";
import { PipelineError } from "../errors.js";
import type { BufferContext, BufferResult } from "./buffer-context.js";
import { tooLarge } from "./byte-source.js";
import { decodeTextStream } from "./decode-text.js";
import { parseDoc } from "./doc.js";
import type { DocumentOutput } from "./document-output.js";
import { parseDocx } from "./docx.js";
import { parseEml } from "./eml.js";
import { parseEpub } from "./epub.js";
import { parseHtml } from "./html.js";
import { parseImage } from "./image.js";
import { parseMsg } from "./msg.js";
import { parseOdf } from "./odf.js";
import { readOleDirectoryNames } from "./ole-directory.js";
import { parsePdf } from "./pdf.js";
import { parseStreamingText } from "./plain-text.js";
import { parsePpt } from "./ppt.js";
import { parsePptx } from "./pptx.js";
import { parseRtf } from "./rtf.js";
import type { ParseLimits } from "./types.js";
import { parseXls } from "./xls.js";
import { parseXlsx } from "./xlsx.js";
import { readZipDirectory, type ZipEntry } from "./zip-directory.js";

export type { BufferContext, BufferResult };

/** The most bytes a document of this (possibly still undecided) type may have. */
export function maxBytesFor(type: DetectedType, limits: ParseLimits): number {
  switch (type) {
    case "pdf":
      return limits.pdfMaxBytes;
    case "docx":
      return limits.docxMaxBytes;
    case "zip":
      return Math.max(limits.docxMaxBytes, limits.officeMaxBytes);
    case "ole":
      return Math.max(limits.legacyOfficeMaxBytes, limits.emailMaxBytes);
    case "doc":
    case "ppt":
    case "xls":
      return limits.legacyOfficeMaxBytes;
    case "eml":
    case "msg":
      return limits.emailMaxBytes;
    case "rtf":
      return limits.rtfMaxBytes;
    case "image":
      return limits.imageMaxBytes;
    case "html":
      return limits.htmlMaxBytes;
    case "xlsx":
    case "pptx":
    case "odt":
    case "ods":
    case "odp":
    case "epub":
      return limits.officeMaxBytes;
    default:
      return Number.POSITIVE_INFINITY;
  }
}

/** Decides a zip's or OLE2 file's kind from its directory, and checks that kind's size limit. */
export function resolveContainerType(
  detected: DetectedType,
  data: Uint8Array,
  limits: ParseLimits,
): DocumentType {
  let type: DocumentType;
  if (detected === "zip") {
    const entries = readZipDirectory(data);
    const mimetype = storedMimetype(data, entries.get("mimetype"));
    type = detectZipDocumentType(new Set(entries.keys()), mimetype);
  } else if (detected === "ole") {
    type = detectOleDocumentType(readOleDirectoryNames(data));
  } else {
    type = detected;
  }
  const max = maxBytesFor(type, limits);
  if (data.length > max) throw tooLarge(type.toUpperCase(), max);
  return type;
}

// ODF and EPUB store their `mimetype` entry uncompressed; a deflated one is left to the names.
function storedMimetype(data: Uint8Array, entry: ZipEntry | undefined): string | undefined {
  if (!entry || entry.method !== 0 || entry.compressedSize > 100) return undefined;
  const at = entry.localHeaderOffset;
  if (at + 30 > data.length) return undefined;
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  return new TextDecoder().decode(data.subarray(start, start + entry.compressedSize));
}

/**
 * Parses a document held in memory into `output`: the formats that need random access (zip,
 * OLE2, PDF) and every attachment of an e-mail.
 */
export async function parseBuffer(
  type: DocumentType,
  data: Uint8Array,
  output: DocumentOutput,
  context: BufferContext,
): Promise<BufferResult> {
  const { limits } = context;
  const single = (metadata: Record<string, unknown>) => ({ pageCount: 1, metadata });
  switch (type) {
    case "pdf":
      return parsePdf(data, output, limits, context.onPage ?? (() => {}), context.recordPages, context.ocr);
    case "image":
      return parseImage(data, output, context.ocr, context.recordPages);
    case "docx":
      return single(await parseDocx(data, output, limits));
    case "xlsx":
      return single(await parseXlsx(data, output, limits));
    case "pptx":
      return single(await parsePptx(data, output, limits));
    case "odt":
    case "ods":
    case "odp":
      return single(await parseOdf(data, type, output, limits));
    case "epub":
      return single(await parseEpub(data, output, limits));
    case "eml":
      return single(await parseEml(data, output, context));
    case "msg":
      return single(await parseMsg(data, output, context));
    case "doc":
      return single(await parseDoc(data, output, limits));
    case "ppt":
      return single(await parsePpt(data, output, limits));
    case "xls":
      return single(await parseXls(data, output, limits));
    case "rtf":
      return single(await parseRtf(once(data), output, limits));
    case "html":
      return single(await parseHtml(decodeTextStream(once(data)), output, limits.maxNestingDepth));
    case "text":
    case "log":
    case "csv":
    case "json":
    case "markdown":
      // Text is written through as it is: after an e-mail's heading it needs its blank line.
      if (output.length > 0) output.append("\n\n");
      return single(await parseStreamingText(decodeTextStream(once(data)), type, output, limits));
    default:
      throw new PipelineError("unsupported_type", `${type} cannot be parsed here`);
  }
}

async function* once(data: Uint8Array): AsyncGenerator<Uint8Array> {
  yield data;
}

/** Detects and parses a nested document (an e-mail's attachment) within its type's size limit. */
export async function parseNestedDocument(
  data: Uint8Array,
  declared: { contentType: string; filename: string },
  output: DocumentOutput,
  context: BufferContext,
): Promise<void> {
  const detected = detectDocumentType({
    head: data.subarray(0, DETECT_HEAD_BYTES),
    declaredContentType: declared.contentType,
    filename: declared.filename,
  });
  if (data.length > maxBytesFor(detected, context.limits))
    throw tooLarge(detected.toUpperCase(), maxBytesFor(detected, context.limits));
  const type = resolveContainerType(detected, data, context.limits);
  await parseBuffer(type, data, output, context);
}
