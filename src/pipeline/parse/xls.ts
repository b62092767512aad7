import { Reader } from "@kenjiuno/msgreader/lib/Reader.js";
import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { MarkdownWriter } from "./markdown-writer.js";
import type { ParseLimits } from "./types.js";
import { readXlsWorkbook } from "./xls-records.js";

// As for XLSX: shared strings past this many characters (64 MiB of heap) are too_complex.
const SHARED_STRINGS_MAX_CHARS = 32 * 1024 * 1024;

/**
 * Converts an Excel 97-2003 (.xls) workbook to Markdown like an XLSX: each worksheet under a
 * `## name` heading, its cells as a GFM table (first row as the header row). The compound file
 * is opened with @kenjiuno/msgreader's OLE2 reader in memory (the file is at most
 * `legacyOfficeMaxBytes`); the BIFF8 records of its `Workbook` stream are read by
 * `readXlsWorkbook`. At most `sheetMaxCells` cells and `sheetMaxColumns` columns are read, and
 * the metadata (and a note in the text) says when cells were left out.
 */
export async function parseXls(
  data: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  let stream: Uint8Array | null;
  try {
    const reader = new Reader(new DataView(data.buffer, data.byteOffset, data.byteLength));
    reader.parse();
    const root = reader.rootFolder();
    stream = root.readFile("Workbook");
    if (!stream && root.readFile("Book"))
      throw new PipelineError(
        "unsupported_type",
        "Excel 5.0/95 workbooks are not supported; save the file as XLSX (or Excel 97-2003) and upload it again",
      );
  } catch (error) {
    if (error instanceof PipelineError) throw error;
    throw new PipelineError("corrupt_file", `Excel workbook could not be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
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
  if (workbook.truncated) {
    md.paragraph(
      `(The rest of the workbook was left out: intake reads at most ${limits.sheetMaxCells} cells.)`,
    );
    metadata.truncatedAtCells = limits.sheetMaxCells;
  }
  if (workbook.cellsSkipped > 0) {
    md.paragraph(`(${workbook.cellsSkipped} cells right of column ${limits.sheetMaxColumns} were left out.)`);
    metadata.cellsSkipped = workbook.cellsSkipped;
  }
  md.end();
  return metadata;
}
