import { BoundedParser } from "./bounded-parser.js";
import type { DocumentOutput } from "./document-output.js";

const MAX_TITLE_CHARS = 2000;
const skipped = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "head",
  "svg",
  "iframe",
  "object",
  "canvas",
]);
const paragraphBlocks = new Set([
  "p",
  "h1",
  "h2",
  "h3",
  "h4",
  "h5",
  "h6",
  "blockquote",
  "pre",
  "table",
  "ul",
  "ol",
  "dl",
  "section",
  "article",
  "figure",
  "hr",
  "header",
  "footer",
  "main",
  "nav",
  "aside",
  "form",
  "fieldset",
  "details",
]);
const lineBlocks = new Set([
  "div",
  "li",
  "dt",
  "dd",
  "tr",
  "br",
  "address",
  "figcaption",
  "summary",
  "caption",
]);

/**
 * Streams HTML text through a tolerant parser: script, style and other non-content elements are
 * dropped, whitespace is collapsed outside <pre>, block elements become line breaks (a blank line
 * for paragraph-like blocks), h1-h6 become sections and entities are decoded. Elements nested
 * deeper than `maxDepth` are flattened into their parent (see BoundedParser).
 */
export async function parseHtml(
  text: AsyncIterable<string>,
  output: DocumentOutput,
  maxDepth: number,
): Promise<Record<string, unknown>> {
  let skipDepth = 0;
  let preDepth = 0;
  let inTitle = false;
  let documentTitle = "";
  let pendingBreak = 0;
  let pendingSpace = false;
  let heading: { level: number; start: number | undefined; title: string } | undefined;

  const breakLine = (lines: number) => {
    pendingBreak = Math.max(pendingBreak, lines);
    pendingSpace = false;
  };
  const emit = (raw: string) => {
    let text = raw;
    let trailingSpace = false;
    if (preDepth === 0) {
      // HTML collapses ASCII whitespace only; a no-break space (&nbsp;) stays.
      text = raw.replace(/[ \t\n\f\r]+/g, " ");
      if (text.startsWith(" ")) {
        pendingSpace = true;
        text = text.slice(1);
      }
      if (text.endsWith(" ")) {
        trailingSpace = true;
        text = text.slice(0, -1);
      }
    }
    if (text === "") return;
    if (pendingBreak > 0 && output.length > 0) output.append("\n".repeat(pendingBreak));
    else if (pendingSpace && output.length > 0) {
      output.append(" ");
      if (heading?.start !== undefined) heading.title += " ";
    }
    pendingBreak = 0;
    pendingSpace = trailingSpace;
    if (heading && heading.start === undefined) heading.start = output.length;
    if (heading && heading.title.length < 200) heading.title += text;
    output.append(text);
  };

  const parser = new BoundedParser(
    {
      onopentag(name) {
        if (name === "title") inTitle = true;
        if (skipped.has(name)) skipDepth += 1;
        if (skipDepth > 0) return;
        if (name === "pre") preDepth += 1;
        if (paragraphBlocks.has(name)) breakLine(2);
        else if (lineBlocks.has(name)) breakLine(1);
        const level = /^h([1-6])$/.exec(name)?.[1];
        if (level) heading = { level: Number(level), start: undefined, title: "" };
      },
      ontext(text) {
        if (inTitle) {
          if (documentTitle.length < MAX_TITLE_CHARS) documentTitle += text.slice(0, MAX_TITLE_CHARS);
        } else if (skipDepth === 0) emit(text);
      },
      onclosetag(name) {
        if (name === "title") inTitle = false;
        if (skipped.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (name === "pre") preDepth = Math.max(0, preDepth - 1);
        if (heading && name === `h${heading.level}`) {
          const title = heading.title.trim();
          if (heading.start !== undefined && title) output.openSection(title, heading.level, heading.start);
          heading = undefined;
        }
        if (paragraphBlocks.has(name)) breakLine(2);
        else if (lineBlocks.has(name)) breakLine(1);
        else if (name === "td" || name === "th") pendingSpace = true;
      },
    },
    {},
    maxDepth,
  );

  for await (const piece of text) {
    parser.write(piece);
    await output.flushIfFull();
  }
  parser.end();
  const title = documentTitle.replace(/\s+/g, " ").trim();
  const metadata: Record<string, unknown> = title ? { title: title.slice(0, 500) } : {};
  if (parser.flattenedTags > 0) metadata.flattenedTags = parser.flattenedTags;
  return metadata;
}
