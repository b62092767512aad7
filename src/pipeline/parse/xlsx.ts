import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { MarkdownWriter } from "./markdown-writer.js";
import type { ParseLimits } from "./types.js";
import {
  type CellFormat,
  columnOfRef,
  formatNumber,
  MAX_CELL_CHARS,
  noteLeftOutCells,
  readCellFormats,
  SHARED_STRINGS_MAX_CHARS,
} from "./xlsx-values.js";
import { localName, readDublinCoreTitle, readRelationships, ZipPackage } from "./zip-package.js";

// Thrown from the SAX callbacks to stop reading a sheet; a PipelineError, so inflateEntry passes it on.
const stopReading = new PipelineError("too_complex", "cell limit reached");

interface Sheet {
  name: string;
  part: string;
}

/**
 * Converts an XLSX or XLSM workbook to Markdown: each worksheet under a `## name` heading, its
 * cells as a GFM table (first row as the header row). Formulas are shown by their cached value,
 * dates as ISO dates, percents with %, shared and inline strings as text; a merged area's value
 * is in its top-left cell and the others are empty. Worksheets stream through a SAX parser; at
 * most `sheetMaxCells` cells of the workbook and `sheetMaxColumns` columns of a sheet are read,
 * and the metadata (and a note in the text) says when cells were left out.
 */
export async function parseXlsx(
  zip: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const pkg = new ZipPackage(zip, limits);
  const { sheets, date1904 } = await readWorkbook(pkg, limits.maxNestingDepth);
  const formats = await readCellFormats(pkg, limits.maxNestingDepth);
  const strings = await readSharedStrings(pkg, limits.maxNestingDepth);
  const metadata: Record<string, unknown> = { sheets: sheets.length };
  const title = await readDublinCoreTitle(pkg, "docProps/core.xml");
  if (title) metadata.title = title;

  const md = new MarkdownWriter(output);
  let cellsLeft = limits.sheetMaxCells;
  let cellsSkipped = 0;
  let truncated = false;
  for (const sheet of sheets) {
    md.heading(2, sheet.name);
    const table = md.table();
    let row: string[] = [];
    let cell: { column: number; type: string; format: CellFormat; value: string } | undefined;
    let inValue = false;
    let nextColumn = 0;
    const reading = pkg.streamXml(
      sheet.part,
      {
        onopentag(name, attributes) {
          const local = localName(name);
          if (local === "row") {
            row = [];
            nextColumn = 0;
          } else if (local === "c") {
            const column = columnOfRef(attributes.r) ?? nextColumn;
            nextColumn = column + 1;
            if (cellsLeft <= 0) throw stopReading;
            if (column >= limits.sheetMaxColumns) {
              cellsSkipped += 1;
              return;
            }
            cellsLeft -= 1;
            const format = formats[Number(attributes.s) || 0] ?? "number";
            cell = { column, type: attributes.t ?? "n", format, value: "" };
          } else if (cell && (local === "v" || (local === "t" && cell.type === "inlineStr"))) inValue = true;
        },
        ontext(text) {
          if (inValue && cell && cell.value.length < MAX_CELL_CHARS) cell.value += text;
        },
        onclosetag(name) {
          const local = localName(name);
          if (local === "v" || local === "t") inValue = false;
          else if (local === "c" && cell) {
            row[cell.column] = cellText(cell.type, cell.value, cell.format, strings, date1904);
            cell = undefined;
          } else if (local === "row") {
            table.startRow();
            for (let i = 0; i < row.length; i++) table.cell(row[i] ?? "");
            table.endRow();
          }
        },
      },
      limits.maxNestingDepth,
      () => output.flushIfFull(),
    );
    const stopped = await reading.then(
      () => false,
      (error: unknown) => {
        if (error !== stopReading) throw error;
        return true;
      },
    );
    table.end();
    if (stopped) {
      truncated = true;
      break;
    }
  }
  noteLeftOutCells(md, limits, { truncated, cellsSkipped }, metadata);
  md.end();
  return metadata;
}

function cellText(
  type: string,
  value: string,
  format: CellFormat,
  strings: string[],
  date1904: boolean,
): string {
  switch (type) {
    case "s":
      return strings[Number(value)] ?? "";
    case "b":
      return value === "1" ? "TRUE" : value === "0" ? "FALSE" : value;
    case "str":
    case "inlineStr":
    case "e":
    case "d":
      return value;
    default:
      return formatNumber(value, format, date1904);
  }
}

async function readWorkbook(
  pkg: ZipPackage,
  maxDepth: number,
): Promise<{ sheets: Sheet[]; date1904: boolean }> {
  const rels = await readRelationships(pkg, "xl/workbook.xml");
  const sheets: Sheet[] = [];
  let date1904 = false;
  const found = await pkg.streamXml(
    "xl/workbook.xml",
    {
      onopentag(name, attributes) {
        const local = localName(name);
        if (local === "workbookPr") date1904 = attributes.date1904 === "1" || attributes.date1904 === "true";
        if (local !== "sheet") return;
        const id = attributes["r:id"] ?? Object.entries(attributes).find(([key]) => key.endsWith(":id"))?.[1];
        const part = id && rels.get(id);
        if (part && pkg.has(part))
          sheets.push({ name: attributes.name ?? `Sheet${sheets.length + 1}`, part });
      },
    },
    maxDepth,
  );
  if (!found) throw new PipelineError("corrupt_file", "XLSX has no xl/workbook.xml");
  return { sheets, date1904 };
}

/** xl/sharedStrings.xml as an array; phonetic runs (`rPh`) are not part of the text. */
async function readSharedStrings(pkg: ZipPackage, maxDepth: number): Promise<string[]> {
  const strings: string[] = [];
  let current: string | undefined;
  let inText = false;
  let phoneticDepth = 0;
  let total = 0;
  await pkg.streamXml(
    "xl/sharedStrings.xml",
    {
      onopentag(name) {
        const local = localName(name);
        if (local === "si") current = "";
        else if (local === "rPh") phoneticDepth += 1;
        else if (local === "t" && phoneticDepth === 0) inText = true;
      },
      ontext(text) {
        if (!inText || current === undefined) return;
        total += text.length;
        if (total > SHARED_STRINGS_MAX_CHARS) {
          throw new PipelineError(
            "too_complex",
            `workbook has more than ${SHARED_STRINGS_MAX_CHARS} characters of shared strings`,
          );
        }
        current += text;
      },
      onclosetag(name) {
        const local = localName(name);
        if (local === "t") inText = false;
        else if (local === "rPh") phoneticDepth -= 1;
        else if (local === "si") {
          strings.push(current ?? "");
          current = undefined;
        }
      },
    },
    maxDepth,
  );
  return strings;
}
