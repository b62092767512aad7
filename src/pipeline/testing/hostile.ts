import { buildDocxParts, lieAboutSize } from "./build-docx.js";
import { buildPdf } from "./build-pdf.js";

// Documents built to hurt a parser, generated rather than stored so that their size can be
// chosen. Each is what a hostile or merely broken writer can send; none needs a bug to exist.

const W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"';

/** `<html><body>` and `depth` nested `<b>` around one word (300,000 is about 0.9 MB). */
export function nestedHtml(depth: number, word = "deep"): string {
  return `<html><body>${"<b>".repeat(depth)}${word}${"</b>".repeat(depth)}</body></html>`;
}

/** A DOCX whose document.xml nests `depth` runs-in-paragraphs around one text node. */
export function nestedDocx(depth: number, word = "deep"): Uint8Array {
  const open = "<w:p><w:r>".repeat(depth);
  const close = "</w:r></w:p>".repeat(depth);
  return buildDocxParts({
    "word/document.xml": `<w:document ${W}><w:body>${open}<w:t>${word}</w:t>${close}</w:body></w:document>`,
  });
}

/** A DOCX of `blocks` paragraphs, each `depth` paragraphs-in-runs deep: nearly as deep as allowed, many times over. */
export function manyNestedDocx(blocks: number, depth = 120): Uint8Array {
  const block = `${"<w:p><w:r>".repeat(depth)}<w:t>w</w:t>${"</w:r></w:p>".repeat(depth)}`;
  return buildDocxParts({
    "word/document.xml": `<w:document ${W}><w:body>${block.repeat(blocks)}</w:body></w:document>`,
  });
}

/** `lines` Markdown lines of `# a`, `spaces` spaces and `b`: a backtracking heading regex's worst case. */
export function spacedHeadings(lines: number, spaces = 1000): string {
  return `${"# a".concat(" ".repeat(spaces), "b\n").repeat(lines)}`;
}

/** JSON nested `depth` arrays deep. */
export function deepJson(depth: number): string {
  return `${"[".repeat(depth)}1${"]".repeat(depth)}`;
}

/** A CSV with a header and one quoted field of `bytes` bytes with no line break in it. */
export function hugeCsvField(bytes: number): string {
  return `id,body\n1,"${"x".repeat(bytes)}"\n2,short\n`;
}

/**
 * A DOCX whose core.xml says it is tiny but inflates to `bytes` (a title that never ends),
 * and whose document.xml lies the same way.
 */
export function lyingDocx(bytes: number): Uint8Array {
  // Letters from a fixed pseudo-random sequence: they do not compress like a bomb would.
  let seed = 42;
  const letters = Array.from({ length: bytes }, () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return String.fromCharCode(97 + (seed % 26));
  }).join("");
  const longTitle = `<cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>${letters}</dc:title></cp:coreProperties>`;
  const zip = buildDocxParts({
    "word/document.xml": `<w:document ${W}><w:body><w:p><w:r><w:t>body text</w:t></w:r></w:p></w:body></w:document>`,
    "docProps/core.xml": longTitle,
  });
  return lieAboutSize(lieAboutSize(zip, "docProps/core.xml", 100), "word/document.xml", 100);
}

/** A one-page PDF whose content stream shows `items` separately placed strings. */
export function hugeContentStreamPdf(items: number): Uint8Array {
  // Each string placed apart on the page, so pdf.js neither merges neighbours nor drops them.
  const ops: string[] = [];
  for (let i = 0; i < items; i++) {
    ops.push(`1 0 0 1 ${20 + (i % 30) * 20} ${20 + (Math.floor(i / 30) % 380) * 2} Tm (w) Tj`);
  }
  return buildPdf([`BT /F1 12 Tf ${ops.join(" ")} ET`], { rawStreams: true });
}

/** Strings Postgres cannot store, as a document carries them into headings and titles. */
export const UNSTORABLE = { nul: "\u0000", loneHigh: "\uD800", loneLow: "\uDC00" } as const;

// Past the bytes type detection looks at, where a NUL would make the file "binary".
const PAST_DETECTION = "filler line of text\n".repeat(500);

/** A Markdown heading carrying a NUL (UTF-8 cannot carry a lone surrogate). */
export function unstorableMarkdown(): string {
  return `${PAST_DETECTION}# Title ${UNSTORABLE.nul} here\n\nbody\n`;
}

/** An HTML title and heading carrying NULs and surrogate character references. */
export function unstorableHtml(): string {
  return `<html><!-- ${PAST_DETECTION} --><head><title>Title\u0000 &#xD800; t</title></head><body><h1>Head\u0000 &#xDC00;</h1><p>x</p></body></html>`;
}

/** A DOCX whose title is a lone surrogate and a NUL written as character references. */
export function unstorableDocx(): Uint8Array {
  return buildDocxParts({
    "word/document.xml": `<w:document ${W}><w:body><w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>Head &#xD800;</w:t></w:r></w:p></w:body></w:document>`,
    "docProps/core.xml":
      '<cp:coreProperties xmlns:cp="x" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>A &#xD800; &#0; title</dc:title></cp:coreProperties>',
  });
}

/** A PDF whose Info title is UTF-16 with a lone surrogate and a NUL. */
export function unstorablePdf(): Uint8Array {
  return buildPdf(["text"], { info: "/Title <FEFF0041D80000000042> /Author (a\\000b)" });
}
