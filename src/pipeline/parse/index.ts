import { DETECT_HEAD_BYTES, type DocumentType, detectDocumentType } from "../detect.js";
import { isPipelineError } from "../errors.js";
import { ByteSource, limitBytes, readAllWithLimit, tooLarge } from "./byte-source.js";
import { decodeTextStream } from "./decode-text.js";
import { DocumentOutput } from "./document-output.js";
import { parseDocx } from "./docx.js";
import { parseHtml } from "./html.js";
import { parsePdf } from "./pdf.js";
import { parseStreamingText } from "./plain-text.js";
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
 * Detects the document's type from its first bytes, then writes its normalized text to `sink` and
 * returns page and section offsets into that text. Text formats stream; PDF and DOCX are read into
 * memory up to their limits. Input problems throw a permanent `PipelineError`; errors of `source`
 * or `sink` propagate unchanged. A 0-byte file is an empty document, not an error.
 *
 * @example
 * const result = await parseDocument(stream, { declaredContentType: 'text/markdown', filename: 'a.md', size }, sink);
 */
export async function parseDocument(
  source: AsyncIterable<Uint8Array>,
  info: ParseInfo,
  sink: TextSink,
  options: ParseOptions = {},
): Promise<ParseResult> {
  const limits: ParseLimits = { ...defaultParseLimits, ...options.limits };
  const report = options.onProgress;
  const bytes = new ByteSource(source, report && ((bytesRead) => report({ bytesRead })));
  const head = await bytes.peek(DETECT_HEAD_BYTES);
  if (head.length === 0) return emptyDocument(info);

  const type = detectDocumentType({
    head,
    declaredContentType: info.declaredContentType,
    filename: info.filename,
  });
  const output = new DocumentOutput(sink, limits.maxSections);
  let pageCount = 1;
  let metadata: Record<string, unknown>;
  switch (type) {
    case "pdf": {
      const data = await readAllWithLimit(bytes, checkDeclaredSize(info, limits.pdfMaxBytes, "PDF"), "PDF");
      const onPage = (pagesParsed: number) => report?.({ pagesParsed, bytesRead: bytes.bytesRead });
      ({ pageCount, metadata } = await parsePdf(data, output, limits, onPage));
      break;
    }
    case "docx": {
      const data = await readAllWithLimit(
        bytes,
        checkDeclaredSize(info, limits.docxMaxBytes, "DOCX"),
        "DOCX",
      );
      metadata = await parseDocx(data, output, limits);
      break;
    }
    case "html": {
      const limited = limitBytes(bytes, checkDeclaredSize(info, limits.htmlMaxBytes, "HTML"), "HTML");
      metadata = await parseHtml(decodeTextStream(limited), output, limits.maxNestingDepth);
      break;
    }
    default:
      metadata = await parseStreamingText(decodeTextStream(bytes), type, output, limits);
  }

  const chars = await output.finish();
  if (type !== "pdf") output.addPage(1, 0, chars);
  if (output.sectionsTruncated) metadata.sectionsTruncated = true;
  metadata.bytes = bytes.bytesRead;
  return { type, chars, pageCount, pages: output.pages, sections: output.sections, metadata };
}

function checkDeclaredSize(info: ParseInfo, maxBytes: number, what: string): number {
  if (info.size > maxBytes) throw tooLarge(what, maxBytes);
  return maxBytes;
}

// An empty upload has nothing to detect; its declared type is kept when it names one we know.
function emptyDocument(info: ParseInfo): ParseResult {
  let type: DocumentType = "text";
  try {
    type = detectDocumentType({
      head: new Uint8Array(0),
      declaredContentType: info.declaredContentType,
      filename: info.filename,
    });
  } catch (error) {
    if (!isPipelineError(error)) throw error;
  }
  return { type, chars: 0, pageCount: 0, pages: [], sections: [], metadata: { bytes: 0, empty: true } };
}
