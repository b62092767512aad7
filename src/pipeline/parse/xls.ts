import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { MarkdownWriter } from "./markdown-writer.js";
import { openOleFile } from "./ole-file.js";
import type { ParseLimits } from "./types.js";
import { excel95Unsupported, readXlsWorkbook } from "./xls-records.js";
import { noteLeftOutCells, SHARED_STRINGS_MAX_CHARS } from "./xlsx-values.js";

/**
 * Converts an Excel 97-2003 (.xls) workbook to Markdown like an XLSX: each worksheet under a
 * `## name` heading, its cells as a GFM table (first row as the header row). The compound file
 * is opened in memory by `openOleFile` (the file is at most `legacyOfficeMaxBytes`); the BIFF8
 * records of its `Workbook` stream are read by `readXlsWorkbook`. At most `sheetMaxCells` cells and `sheetMaxColumns` columns are read, and
 * the metadata (and a note in the text) says when cells were left out.
 */
export async function parseXls(
  data: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const streamNamed = openOleFile(data, "Excel workbook");
  const stream = streamNamed("Workbook");
  // Excel 5.0/95 names its stream Book.
  if (!stream && streamNamed("Book")) throw excel95Unsupported();
  if (!stream) throw new PipelineError("corrupt_file", "Excel file has no Workbook stream");
  const workbook = readXlsWorkbook(stream, {
    maxCells: limits.sheetMaxCells,
    maxColumns: limits.sheetMaxColumns,
    maxStringChars: SHARED_STRINGS_MAX_CHARS,
  });
  const md = new MarkdownWriter(output);
  for (const sheet of workbook.sheets) {
    md.heading(2, sheet.name);
    const table = md.table();
    for (const row of sheet.rows) {
      table.startRow();
      for (const cell of row) table.cell(cell);
      table.endRow();
      await output.flushIfFull();
    }
    table.end();
  }
  const metadata: Record<string, unknown> = { sheets: workbook.sheets.length };
  noteLeftOutCells(md, limits, workbook, metadata);
  md.end();
  return metadata;
}
