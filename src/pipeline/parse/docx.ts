import { PipelineError } from "../errors.js";
import { BoundedParser } from "./bounded-parser.js";
import type { DocumentOutput } from "./document-output.js";
import { InflateBudget, inflateEntry } from "./inflate-entry.js";
import type { ParseLimits } from "./types.js";
import { readZipDirectory } from "./zip-directory.js";

// docProps/core.xml holds a few short fields; a larger one is not worth reading past this.
const CORE_XML_MAX_BYTES = 64 * 1024;

interface Paragraph {
  start: number;
  level: number | undefined;
  title: string;
}

/**
 * Extracts paragraphs from word/document.xml, one line each, streaming the XML through a SAX
 * parser as it inflates. Paragraphs styled Title or Heading1-6 become sections. Localized style
 * ids (e.g. "berschrift1") are not recognized.
 */
export async function parseDocx(
  zip: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const entries = readZipDirectory(zip);
  const documentEntry = entries.get("word/document.xml");
  if (!documentEntry) throw new PipelineError("unsupported_type", "zip archive has no word/document.xml");
  const budget = new InflateBudget(limits.docxMaxDecompressedBytes, limits.docxMaxCompressionRatio);
  const metadata: Record<string, unknown> = {};

  const core = entries.get("docProps/core.xml");
  if (core) {
    // Read only the first bytes that actually inflate: the declared size may lie.
    const xml = await inflatePrefix(zip, core, budget, CORE_XML_MAX_BYTES);
    const title = /<dc:title>([^<]*)<\/dc:title>/.exec(xml)?.[1]?.trim();
    if (title) metadata.title = decodeXmlEntities(title);
  }

  const paragraphs: Paragraph[] = [];
  let runDepth = 0;
  let inText = false;
  let paragraphCount = 0;
  const appendText = (text: string) => {
    output.append(text);
    const paragraph = paragraphs.at(-1);
    if (paragraph?.level !== undefined && paragraph.title.length < 200) paragraph.title += text;
  };
  const parser = new BoundedParser(
    {
      onopentag(name, attributes) {
        if (name === "w:p") paragraphs.push({ start: output.length, level: undefined, title: "" });
        else if (name === "w:pStyle") {
          const paragraph = paragraphs.at(-1);
          if (paragraph) paragraph.level = headingLevel(attributes["w:val"] ?? "");
        } else if (name === "w:r") runDepth += 1;
        else if (name === "w:t") inText = true;
        else if (runDepth > 0 && name === "w:tab") appendText("\t");
        else if (runDepth > 0 && (name === "w:br" || name === "w:cr")) appendText("\n");
      },
      ontext(text) {
        if (inText) appendText(text);
      },
      onclosetag(name) {
        if (name === "w:t") inText = false;
        else if (name === "w:r") runDepth -= 1;
        else if (name === "w:p") {
          const paragraph = paragraphs.pop();
          const title = paragraph?.title.replace(/\s+/g, " ").trim();
          if (paragraph?.level !== undefined && title)
            output.openSection(title, paragraph.level, paragraph.start);
          output.append("\n");
          paragraphCount += 1;
        }
      },
    },
    { xmlMode: true },
    limits.maxNestingDepth,
    // Word's text lives in <w:t> elements: flattening would drop it, so a too-deep part fails.
    "fail",
  );
  const decoder = new TextDecoder();
  await inflateEntry(
    zip,
    documentEntry,
    budget,
    (data) => parser.write(decoder.decode(data, { stream: true })),
    () => output.flushIfFull(),
  );
  parser.end(decoder.decode());
  metadata.paragraphs = paragraphCount;
  return metadata;
}

function headingLevel(styleId: string): number | undefined {
  if (/^title$/i.test(styleId)) return 1;
  const match = /^heading\s?([1-6])$/i.exec(styleId);
  return match?.[1] ? Number(match[1]) : undefined;
}

/** The entry's first `maxBytes` inflated bytes as text; inflation stops once they are in. */
async function inflatePrefix(
  zip: Uint8Array,
  entry: Parameters<typeof inflateEntry>[1],
  budget: InflateBudget,
  maxBytes: number,
): Promise<string> {
  const pieces: Uint8Array[] = [];
  let total = 0;
  // A PipelineError, so inflateEntry passes it through unchanged; it only marks "enough read".
  const full = new PipelineError("too_large", "prefix read");
  try {
    await inflateEntry(
      zip,
      entry,
      budget,
      (data) => {
        if (total >= maxBytes) throw full;
        const piece = data.subarray(0, maxBytes - total);
        pieces.push(piece.slice());
        total += piece.length;
      },
      async () => {},
    );
  } catch (err) {
    if (err !== full) throw err;
  }
  return new TextDecoder().decode(Buffer.concat(pieces));
}

function decodeXmlEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (entity, body: string) => {
    if (body[0] !== "#") return named[body.toLowerCase()] ?? entity;
    const code =
      body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}
