import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import type { TableBuilder } from "./markdown-table.js";
import { MarkdownWriter } from "./markdown-writer.js";
import type { ParseLimits } from "./types.js";
import { readDublinCoreTitle, ZipPackage } from "./zip-package.js";

// One paragraph or cell holds at most this much text; the rest of a pathological one is left out.
const MAX_HELD_CHARS = 1024 * 1024;
// ODS writes a sheet's unused area as one row or cell repeated up to 1,048,576 times; a repeat is
// written out only for non-empty content, and then at most this often.
const MAX_REPEAT = 1000;
const skipped = new Set([
  "text:note",
  "office:annotation",
  "text:tracked-changes",
  "draw:image",
  "svg:desc",
  "svg:title",
]);

interface Paragraph {
  text: string;
  heading?: number;
}

/**
 * Converts content.xml of an OpenDocument text, spreadsheet or presentation to Markdown:
 * text:h by outline level as headings, text:list as list items (numbered when the list style
 * numbers that level), table:table as GFM tables (each spreadsheet table under a `##` heading
 * with its name; cells by their displayed text, with repeated rows and columns expanded only
 * where they hold something), presentation pages separated by rules with their title frame as
 * a heading and their notes under `### Notes`. Footnotes and comments are not read.
 */
export async function parseOdf(
  zip: Uint8Array,
  type: "odt" | "ods" | "odp",
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const pkg = new ZipPackage(zip, limits);
  if (!pkg.has("content.xml"))
    throw new PipelineError("corrupt_file", "OpenDocument file has no content.xml");
  const metadata: Record<string, unknown> = {};
  const title = await readDublinCoreTitle(pkg, "meta.xml");
  if (title) metadata.title = title;

  const md = new MarkdownWriter(output);
  const numberedLists = new Map<string, Set<number>>();
  let listStyle: Set<number> | undefined;
  const lists: { style: string; next: number }[] = [];
  const paragraphs: Paragraph[] = [];
  let freshItem = false;
  let skipDepth = 0;
  let table:
    | { builder: TableBuilder; row: string[]; rowRepeat: number; cell?: string; cellRepeat: number }
    | undefined;
  let tableDepth = 0;
  let frameClass: string | undefined;
  let inNotes = false;
  let notesStarted = false;
  let cellsLeft = limits.sheetMaxCells;
  let pages = 0;

  const append = (text: string) => {
    const paragraph = paragraphs.at(-1);
    if (paragraph && paragraph.text.length < MAX_HELD_CHARS) paragraph.text += text;
  };
  const finishParagraph = (paragraph: Paragraph) => {
    const text = paragraph.text.trim();
    if (table) {
      if (table.cell !== undefined) table.cell += table.cell ? `\n${text}` : text;
      return;
    }
    if (!text) return;
    if (inNotes && !notesStarted) {
      md.heading(3, "Notes");
      notesStarted = true;
    }
    if (paragraph.heading !== undefined) md.heading(paragraph.heading, text);
    else if (frameClass === "title" && !inNotes) md.heading(2, text);
    else if (lists.length > 0 && freshItem) {
      const list = lists[0];
      const depth = lists.length - 1;
      const numbered = numberedLists.get(list?.style ?? "")?.has(depth + 1);
      md.listItem(depth, text, numbered ? (lists[depth] ? lists[depth].next++ : 1) : undefined);
      freshItem = false;
    } else md.paragraph(text);
  };

  await pkg.streamXml(
    "content.xml",
    {
      onopentag(name, attributes) {
        if (skipDepth > 0 || skipped.has(name)) {
          skipDepth += 1;
          return;
        }
        switch (name) {
          case "text:list-style":
            listStyle = new Set();
            numberedLists.set(attributes["style:name"] ?? "", listStyle);
            break;
          case "text:list-level-style-number":
            if (attributes["style:num-format"] !== "") listStyle?.add(Number(attributes["text:level"]) || 1);
            break;
          case "text:p":
          case "text:h":
            paragraphs.push({
              text: "",
              heading:
                name === "text:h" ? Math.min(6, Number(attributes["text:outline-level"]) || 1) : undefined,
            });
            break;
          case "text:s":
            append(" ".repeat(Math.min(100, Number(attributes["text:c"]) || 1)));
            break;
          case "text:tab":
            append("\t");
            break;
          case "text:line-break":
            append("\n");
            break;
          case "text:list":
            lists.push({ style: attributes["text:style-name"] ?? lists[0]?.style ?? "", next: 1 });
            break;
          case "text:list-item":
            freshItem = true;
            break;
          case "table:table":
            tableDepth += 1;
            if (tableDepth > 1) break;
            md.end();
            if (type === "ods") md.heading(2, attributes["table:name"] ?? "Sheet");
            table = { builder: md.table(), row: [], rowRepeat: 1, cellRepeat: 1 };
            break;
          case "table:table-row":
            if (table && tableDepth === 1) {
              table.row = [];
              table.rowRepeat = Math.max(1, Number(attributes["table:number-rows-repeated"]) || 1);
            }
            break;
          case "table:table-cell":
          case "table:covered-table-cell":
            if (table && tableDepth === 1) {
              table.cell = "";
              table.cellRepeat = Math.max(1, Number(attributes["table:number-columns-repeated"]) || 1);
            }
            break;
          case "draw:page":
            md.end();
            if (pages++ > 0) md.rule();
            break;
          case "draw:frame":
            frameClass = attributes["presentation:class"];
            break;
          case "presentation:notes":
            inNotes = true;
            notesStarted = false;
            break;
        }
      },
      ontext(text) {
        if (skipDepth === 0) append(text);
      },
      onclosetag(name) {
        if (skipDepth > 0) {
          skipDepth -= 1;
          return;
        }
        switch (name) {
          case "text:p":
          case "text:h": {
            const paragraph = paragraphs.pop();
            if (paragraph) finishParagraph(paragraph);
            break;
          }
          case "text:list":
            lists.pop();
            break;
          case "table:table-cell":
          case "table:covered-table-cell":
            if (table && tableDepth === 1 && table.cell !== undefined) {
              const repeat = table.cell === "" ? table.cellRepeat : Math.min(MAX_REPEAT, table.cellRepeat);
              // Empty cells repeated to the sheet's edge are padding; they only count once written.
              if (table.cell !== "" || table.row.length + repeat < limits.sheetMaxColumns) {
                for (let i = 0; i < repeat && table.row.length < limits.sheetMaxColumns; i++)
                  table.row.push(table.cell);
              }
              table.cell = undefined;
            }
            break;
          case "table:table-row":
            if (!table || tableDepth !== 1 || table.row.every((cell) => cell === "")) break;
            for (let i = 0; i < Math.min(MAX_REPEAT, table.rowRepeat) && cellsLeft > 0; i++) {
              table.builder.startRow();
              for (const cell of table.row) table.builder.cell(cell);
              table.builder.endRow();
              cellsLeft -= table.row.length;
            }
            break;
          case "table:table":
            tableDepth -= 1;
            if (tableDepth === 0 && table) {
              table.builder.end();
              table = undefined;
            }
            break;
          case "draw:frame":
            frameClass = undefined;
            break;
          case "presentation:notes":
            inNotes = false;
            break;
        }
      },
    },
    limits.maxNestingDepth,
    () => output.flushIfFull(),
  );
  md.end();
  if (cellsLeft <= 0) metadata.truncatedAtCells = limits.sheetMaxCells;
  if (type === "odp") metadata.slides = pages;
  return metadata;
}
