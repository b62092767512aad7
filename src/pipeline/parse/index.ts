import { DETECT_HEAD_BYTES, type DocumentType, detectDocumentType, markdownTypes } from "../detect.js";
import { isPipelineError } from "../errors.js";
import { ByteSource, type ChunkSource, limitBytes, readAllWithLimit, tooLarge } from "./byte-source.js";
import { decodeTextStream } from "./decode-text.js";
import { DocumentOutput } from "./document-output.js";
import { parseHtml } from "./html.js";
import { OCR_OFF } from "./ocr-settings.js";
import { maxBytesFor, parseBuffer, parseNestedDocument, resolveContainerType } from "./parse-buffer.js";
import { parseStreamingText } from "./plain-text.js";
import { parseRtf } from "./rtf.js";
import {
  defaultParseLimits,
  type ParseInfo,
  type ParseLimits,
  type ParseOptions,
  type ParseResult,
  type TextSink,
} from "./types.js";

export * from "./types.js";

/**
 * Detects the document's type from its first bytes (and, for zip and OLE2 files, from their
 * directory), then writes its text to `sink` — Markdown for every format with structure, the
 * text itself for plain text, logs, CSV and JSON — and returns page and section offsets into
 * that text. Text formats, HTML and RTF stream; the others are read into memory up to their
 * limits. Input problems throw a permanent `PipelineError`; errors of `source` or `sink`
 * propagate unchanged. A 0-byte file is an empty document, not an error. A chunk given to
 * `source.recycle`, when it has one, is not read again.
 *
 * @example
 * const result = await parseDocument(stream, { declaredContentType: 'text/markdown', filename: 'a.md', size }, sink);
 */
export async function parseDocument(
  source: ChunkSource,
  info: ParseInfo,
  sink: TextSink,
  options: ParseOptions = {},
): Promise<ParseResult> {
  const limits: ParseLimits = { ...defaultParseLimits, ...options.limits };
  const report = options.onProgress;
  const bytes = new ByteSource(source, report && ((bytesRead) => report({ bytesRead })));
  const head = await bytes.peek(DETECT_HEAD_BYTES);
  if (head.length === 0) return emptyDocument(info);

  const detected = detectDocumentType({
    head,
    declaredContentType: info.declaredContentType,
    filename: info.filename,
  });
  const output = new DocumentOutput(sink, limits.maxSections);
  let type: DocumentType;
  let pageCount = 1;
  let metadata: Record<string, unknown>;
  if (detected === "html" || detected === "rtf") {
    type = detected;
    const limited = limitBytes(
      bytes,
      checkDeclaredSize(info, maxBytesFor(type, limits), type),
      type.toUpperCase(),
    );
    metadata =
      type === "html"
        ? await parseHtml(decodeTextStream(limited), output, limits.maxNestingDepth)
        : await parseRtf(limited, output, limits);
  } else if (
    detected === "text" ||
    detected === "log" ||
    detected === "csv" ||
    detected === "json" ||
    detected === "markdown"
  ) {
    type = detected;
    metadata = await parseStreamingText(decodeTextStream(bytes), type, output, limits);
  } else {
    const maxBytes = checkDeclaredSize(info, maxBytesFor(detected, limits), detected.toUpperCase());
    const data = await readAllWithLimit(bytes, maxBytes, detected.toUpperCase(), info.size);
    type = resolveContainerType(detected, data, limits);
    const onPage = (pagesParsed: number) => report?.({ pagesParsed, bytesRead: bytes.bytesRead });
    const ocr = {
      settings: options.ocr ?? OCR_OFF,
      signal: options.signal,
      hooks: {
        onActive: options.onOcrActive,
        onPage: (pagesOcred: number, pagesTotal: number) =>
          report?.({ pagesOcred, pagesTotal, bytesRead: bytes.bytesRead }),
      },
    };
    ({ pageCount, metadata } = await parseBuffer(type, data, output, {
      limits,
      depth: 0,
      recordPages: true,
      onPage,
      ocr,
      parseNested: parseNestedDocument,
    }));
  }

  const chars = await output.finish();
  // PDFs and images record their pages as they go; everything else is one page.
  if (type !== "pdf" && output.pages.length === 0) output.addPage(1, 0, chars);
  if (output.sectionsTruncated) metadata.sectionsTruncated = true;
  metadata.bytes = bytes.bytesRead;
  return {
    type,
    textFormat: markdownTypes.has(type) ? "markdown" : "plain",
    chars,
    pageCount,
    pages: output.pages,
    sections: output.sections,
    metadata,
    warnings:
      Array.isArray(metadata.pagesWithoutText) && metadata.pagesWithoutText.length > 0
        ? ["no_text_layer"]
        : [],
  };
}

function checkDeclaredSize(info: ParseInfo, maxBytes: number, what: string): number {
  if (info.size > maxBytes) throw tooLarge(what, maxBytes);
  return maxBytes;
}

// An empty upload has nothing to detect; its declared type is kept when it names one we know.
function emptyDocument(info: ParseInfo): ParseResult {
  let type: DocumentType = "text";
  try {
    const detected = detectDocumentType({
      head: new Uint8Array(0),
      declaredContentType: info.declaredContentType,
      filename: info.filename,
    });
    if (detected !== "zip" && detected !== "ole") type = detected;
  } catch (error) {
    if (!isPipelineError(error)) throw error;
  }
  return {
    type,
    textFormat: markdownTypes.has(type) ? "markdown" : "plain",
    warnings: [],
    chars: 0,
    pageCount: 0,
    pages: [],
    sections: [],
    metadata: { bytes: 0, empty: true },
  };
}
