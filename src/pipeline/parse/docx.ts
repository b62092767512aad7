import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import {
  headingLevelOfName,
  type ParagraphStyle,
  readNumbering,
  readParagraphStyles,
} from "./docx-styles.js";
import type { TableBuilder } from "./markdown-table.js";
import { type MarkdownBlock, MarkdownWriter } from "./markdown-writer.js";
import type { ParseLimits } from "./types.js";
import { readDublinCoreTitle, ZipPackage } from "./zip-package.js";

interface Paragraph {
  styleId: string;
  numId?: string;
  ilvl?: number;
  outlineLevel?: number;
}

interface Table {
  builder: TableBuilder | undefined;
  cell: string | undefined;
  span: number;
}

// Subtrees whose text is not the document's: mc:Fallback repeats mc:Choice (text boxes were
// read twice before), and *PrChange hold the properties before a tracked change.
const skippedElements = new Set(["mc:Fallback", "w:pPrChange", "w:rPrChange", "w:tblPrChange"]);
// One table cell holds at most this much text; the rest of a pathological cell is left out.
const MAX_CELL_CHARS = 1024 * 1024;

/**
 * Converts word/document.xml to Markdown, streaming the XML through a SAX parser as it
 * inflates: Title and Heading 1-6 paragraphs (by style name or outline level) become headings
 * and sections, numbered paragraphs become list items (bulleted or numbered as numbering.xml
 * says), tables become GFM tables, equations (OMML) keep their text and text boxes are read
 * once. Headers, footers, footnotes and comments are not read.
 */
export async function parseDocx(
  zip: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const pkg = new ZipPackage(zip, limits);
  if (!pkg.has("word/document.xml")) {
    throw new PipelineError("unsupported_type", "zip archive has no word/document.xml");
  }
  const metadata: Record<string, unknown> = {};
  const title = await readDublinCoreTitle(pkg, "docProps/core.xml");
  if (title) metadata.title = title;
  const styles = await readParagraphStyles(pkg, limits.maxNestingDepth);
  const numbering = await readNumbering(pkg, limits.maxNestingDepth);

  const md = new MarkdownWriter(output);
  const paragraphs: Paragraph[] = [];
  const tables: Table[] = [];
  const listCounters = new Map<string, number[]>();
  let skipDepth = 0;
  let inText = false;
  let inParagraphProps = false;
  let started = false;
  let innerBreak = false;
  let paragraphCount = 0;
  let tableCount = 0;

  const blockFor = (paragraph: Paragraph): MarkdownBlock => {
    const style: ParagraphStyle | undefined = styles.get(paragraph.styleId);
    const level = paragraph.outlineLevel ?? style?.headingLevel ?? headingLevelOfName(paragraph.styleId);
    if (level !== undefined) return { kind: "heading", level };
    const numId = paragraph.numId ?? style?.numId;
    if (numId === undefined || numId === "0") return { kind: "paragraph" };
    const ilvl = Math.min(paragraph.ilvl ?? style?.ilvl ?? 0, 8);
    if (!numbering.get(numId)?.get(ilvl)) return { kind: "listItem", depth: ilvl };
    const counters = listCounters.get(numId) ?? [];
    counters.length = ilvl + 1;
    counters[ilvl] = (counters[ilvl] ?? 0) + 1;
    listCounters.set(numId, counters);
    return { kind: "listItem", depth: ilvl, number: counters[ilvl] };
  };

  const emit = (text: string) => {
    const table = tables[0];
    if (table) {
      if (table.cell !== undefined && table.cell.length < MAX_CELL_CHARS) table.cell += text;
      return;
    }
    const paragraph = paragraphs.at(-1);
    if (!started && paragraph && text.trim() !== "") {
      md.begin(blockFor(paragraph));
      started = true;
    }
    // A text box's paragraph ended inside this one: a line break, once more text follows.
    if (innerBreak && started && text !== "\n") md.text("\n");
    innerBreak = false;
    if (text !== "\n" || started) md.text(text);
  };

  await pkg.streamXml(
    "word/document.xml",
    {
      onopentag(name, attributes) {
        if (skipDepth > 0 || skippedElements.has(name)) {
          skipDepth += 1;
          return;
        }
        const value = attributes["w:val"] ?? "";
        const paragraph = paragraphs.at(-1);
        switch (name) {
          case "w:p":
            paragraphs.push({ styleId: "" });
            break;
          case "w:pPr":
            inParagraphProps = true;
            break;
          case "w:pStyle":
            if (paragraph && inParagraphProps) paragraph.styleId = value;
            break;
          case "w:numId":
            if (paragraph && inParagraphProps) paragraph.numId = value;
            break;
          case "w:ilvl":
            if (paragraph && inParagraphProps) paragraph.ilvl = Number(value) || 0;
            break;
          case "w:outlineLvl":
            if (paragraph && inParagraphProps && Number(value) <= 5)
              paragraph.outlineLevel = Number(value) + 1;
            break;
          case "w:t":
          case "m:t":
            inText = true;
            break;
          case "w:tab":
            if (!inParagraphProps) emit("\t");
            break;
          case "w:br":
          case "w:cr":
            emit("\n");
            break;
          case "w:noBreakHyphen":
            emit("-");
            break;
          case "w:tbl":
            md.end();
            started = false;
            tables.push({ builder: tables.length === 0 ? md.table() : undefined, cell: undefined, span: 1 });
            break;
          case "w:tr":
            if (tables.length === 1) tables[0]?.builder?.startRow();
            break;
          case "w:tc":
            if (tables.length === 1 && tables[0]) Object.assign(tables[0], { cell: "", span: 1 });
            else if (tables[0]?.cell) tables[0].cell += " ";
            break;
          case "w:gridSpan":
            if (tables.length === 1 && tables[0])
              tables[0].span = Math.min(64, Math.max(1, Number(value) || 1));
            break;
        }
      },
      ontext(text) {
        if (inText && skipDepth === 0) emit(text);
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          skipDepth -= 1;
          return;
        }
        switch (name) {
          case "w:t":
          case "m:t":
            inText = false;
            break;
          case "w:pPr":
            inParagraphProps = false;
            break;
          case "w:p":
            paragraphs.pop();
            paragraphCount += 1;
            if (tables.length > 0) emit("\n");
            else if (paragraphs.length > 0) innerBreak = true;
            else {
              innerBreak = false;
              md.end();
              started = false;
            }
            break;
          case "w:tc": {
            const table = tables[0];
            if (tables.length !== 1 || !table?.builder || table.cell === undefined) break;
            table.builder.cell(table.cell);
            for (let i = 1; i < table.span; i++) table.builder.cell("");
            table.cell = undefined;
            break;
          }
          case "w:tr":
            if (tables.length === 1) tables[0]?.builder?.endRow();
            break;
          case "w:tbl": {
            const table = tables.pop();
            if (table?.builder?.end()) tableCount += 1;
            break;
          }
        }
      },
    },
    limits.maxNestingDepth,
    () => output.flushIfFull(),
  );
  md.end();
  metadata.paragraphs = paragraphCount;
  if (tableCount > 0) metadata.tables = tableCount;
  return metadata;
}
