import { PipelineError } from "../errors.js";
import {
  builtinCellFormat,
  type CellFormat,
  formatNumber,
  formatOfCode,
  MAX_CELL_CHARS,
} from "./xlsx-values.js";

/** One worksheet: its rows in order, each row's cells by column ("" where none). */
export interface XlsSheet {
  name: string;
  rows: string[][];
}

export interface XlsWorkbook {
  sheets: XlsSheet[];
  /** Cells not read: past `maxCells` of the workbook or right of `maxColumns`. */
  cellsSkipped: number;
  truncated: boolean;
}

export interface XlsLimits {
  maxCells: number;
  maxColumns: number;
  /** Characters of shared strings held for the workbook, past which it is `too_complex`. */
  maxStringChars: number;
}

// Record types of BIFF8 ([MS-XLS] §2.3) that carry or locate cell text.
const RT = {
  BOF: 0x0809,
  EOF: 0x000a,
  FILEPASS: 0x002f,
  DATEMODE: 0x0022,
  FORMAT: 0x041e,
  XF: 0x00e0,
  BOUNDSHEET: 0x0085,
  SST: 0x00fc,
  CONTINUE: 0x003c,
  LABELSST: 0x00fd,
  LABEL: 0x0204,
  NUMBER: 0x0203,
  RK: 0x027e,
  MULRK: 0x00bd,
  FORMULA: 0x0006,
  STRING: 0x0207,
  BOOLERR: 0x0205,
} as const;

const BIFF8 = 0x0600;
const ERRORS: Record<number, string> = {
  0: "#NULL!",
  7: "#DIV/0!",
  15: "#VALUE!",
  23: "#REF!",
  29: "#NAME?",
  36: "#NUM!",
  42: "#N/A",
};

interface RecordAt {
  type: number;
  start: number;
  end: number;
}

/**
 * The cells of an Excel 97-2003 (BIFF8) workbook from its `Workbook` stream: worksheets in
 * order, strings from the shared string table, numbers shown by their cell's format (dates as
 * ISO dates, percents with %, like XLSX), formulas by their cached value. Charts and macro
 * sheets are left out. Excel 5.0/95 files (BIFF5/7) are `unsupported_type`, an encrypted one
 * `encrypted_file`.
 */
export function readXlsWorkbook(stream: Uint8Array, limits: XlsLimits): XlsWorkbook {
  const view = new DataView(stream.buffer, stream.byteOffset, stream.byteLength);
  const globals = records(view, 0);
  const bof = globals.next().value;
  if (!bof || bof.type !== RT.BOF || bof.end - bof.start < 2)
    throw new PipelineError("corrupt_file", "Excel workbook stream does not start with a BOF record");
  if (view.getUint16(bof.start, true) !== BIFF8) throw excel95Unsupported();

  let date1904 = false;
  const customFormats = new Map<number, CellFormat>();
  const xfFormats: number[] = [];
  const sheetsAt: { name: string; offset: number }[] = [];
  let strings: string[] = [];
  let sst: RecordAt[] | undefined;
  for (const r of globals) {
    const size = r.end - r.start;
    if (sst && r.type === RT.CONTINUE) {
      sst.push(r);
      continue;
    }
    if (sst) strings = readSharedStrings(view, sst, limits.maxStringChars);
    sst = undefined;
    if (r.type === RT.EOF) break;
    if (r.type === RT.FILEPASS) throw new PipelineError("encrypted_file", "Excel workbook is encrypted");
    if (r.type === RT.DATEMODE && size >= 2) date1904 = view.getUint16(r.start, true) === 1;
    else if (r.type === RT.FORMAT && size >= 5) {
      const code = readUnicodeString(view, r.start + 2, r.end, 2).text;
      customFormats.set(view.getUint16(r.start, true), formatOfCode(code));
    } else if (r.type === RT.XF && size >= 4) xfFormats.push(view.getUint16(r.start + 2, true));
    else if (r.type === RT.BOUNDSHEET && size >= 8) {
      // Only worksheets (type 0); charts, macro sheets and VB modules hold no cells to read.
      if (view.getUint8(r.start + 5) !== 0) continue;
      sheetsAt.push({
        offset: view.getUint32(r.start, true),
        name: readUnicodeString(view, r.start + 6, r.end, 1).text,
      });
    } else if (r.type === RT.SST && size >= 8) sst = [r];
  }
  if (sst) strings = readSharedStrings(view, sst, limits.maxStringChars);
  const formatOf = (xf: number): CellFormat => {
    const id = xfFormats[xf] ?? 0;
    return customFormats.get(id) ?? builtinCellFormat(id);
  };

  const workbook: XlsWorkbook = { sheets: [], cellsSkipped: 0, truncated: false };
  let cellsLeft = limits.maxCells;
  // Sheets whose offsets point into each other would read the same records again and again.
  let bytesLeft = 2 * stream.byteLength;
  const seen = new Set<number>();
  for (const { name, offset } of sheetsAt) {
    if (workbook.truncated) break;
    if (seen.has(offset)) continue;
    seen.add(offset);
    const rows = new Map<number, string[]>();
    const put = (row: number, column: number, text: string) => {
      if (column >= limits.maxColumns) {
        workbook.cellsSkipped += 1;
        return;
      }
      if (cellsLeft <= 0) {
        workbook.truncated = true;
        return;
      }
      cellsLeft -= 1;
      let cells = rows.get(row);
      if (!cells) {
        cells = [];
        rows.set(row, cells);
      }
      cells[column] = text;
    };
    const number = (value: number, xf: number) => formatNumber(String(value), formatOf(xf), date1904);
    let pendingFormula: { row: number; column: number } | undefined;
    const sheet = records(view, offset);
    if (sheet.next().value?.type !== RT.BOF) continue;
    for (const r of sheet) {
      bytesLeft -= r.end - r.start + 4;
      if (bytesLeft < 0)
        throw new PipelineError("too_complex", "Excel sheets overlap in the workbook stream");
      if (r.type === RT.EOF || r.type === RT.BOF || workbook.truncated) break;
      if (r.type === RT.STRING) {
        if (pendingFormula)
          put(pendingFormula.row, pendingFormula.column, readUnicodeString(view, r.start, r.end, 2).text);
        pendingFormula = undefined;
        continue;
      }
      const size = r.end - r.start;
      if (size < 6) continue;
      const row = view.getUint16(r.start, true);
      const column = view.getUint16(r.start + 2, true);
      const xf = view.getUint16(r.start + 4, true);
      if (r.type === RT.LABELSST && size >= 10)
        put(row, column, strings[view.getUint32(r.start + 6, true)] ?? "");
      else if (r.type === RT.LABEL && size >= 9)
        put(row, column, readUnicodeString(view, r.start + 6, r.end, 2).text);
      else if (r.type === RT.NUMBER && size >= 14)
        put(row, column, number(view.getFloat64(r.start + 6, true), xf));
      else if (r.type === RT.RK && size >= 10)
        put(row, column, number(rkValue(view.getUint32(r.start + 6, true)), xf));
      else if (r.type === RT.MULRK) {
        // rw, colFirst, then (ixfe, rk) pairs, then colLast.
        for (let at = r.start + 4, c = column; at + 6 <= r.end - 2; at += 6, c++)
          put(row, c, number(rkValue(view.getUint32(at + 2, true)), view.getUint16(at, true)));
      } else if (r.type === RT.BOOLERR && size >= 8) {
        const value = view.getUint8(r.start + 6);
        put(
          row,
          column,
          view.getUint8(r.start + 7) === 1 ? (ERRORS[value] ?? "#ERR") : value ? "TRUE" : "FALSE",
        );
      } else if (r.type === RT.FORMULA && size >= 14) {
        const text = formulaValue(view, r.start + 6, xf, number);
        pendingFormula = text === undefined ? { row, column } : undefined;
        if (text !== undefined) put(row, column, text);
      }
    }
    const ordered = [...rows.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([, cells]) => Array.from(cells, (c) => c ?? ""));
    workbook.sheets.push({ name, rows: ordered });
  }
  return workbook;
}

/** Excel 5.0/95 (BIFF5/7) workbooks: their strings are in a code page and their records differ. */
export function excel95Unsupported(): PipelineError {
  return new PipelineError(
    "unsupported_type",
    "Excel 5.0/95 workbooks are not supported; save the file as XLSX (or Excel 97-2003) and upload it again",
  );
}

/** The records from `offset` on (each a type, a 16-bit length and its body), cut at the stream's end. */
function* records(view: DataView, offset: number): Generator<RecordAt, void, undefined> {
  for (let at = offset; at + 4 <= view.byteLength; ) {
    const type = view.getUint16(at, true);
    const end = Math.min(view.byteLength, at + 4 + view.getUint16(at + 2, true));
    yield { type, start: at + 4, end };
    at = end;
  }
}

/**
 * A cached formula result: a number, or (when the last two bytes are 0xFFFF) a boolean, an error,
 * an empty string, or undefined for a string that follows in a STRING record.
 */
function formulaValue(
  view: DataView,
  at: number,
  xf: number,
  number: (value: number, xf: number) => string,
): string | undefined {
  if (view.getUint16(at + 6, true) !== 0xffff) return number(view.getFloat64(at, true), xf);
  const kind = view.getUint8(at);
  if (kind === 0) return undefined;
  if (kind === 1) return view.getUint8(at + 2) ? "TRUE" : "FALSE";
  if (kind === 2) return ERRORS[view.getUint8(at + 2)] ?? "#ERR";
  return "";
}

/** An RK number: a 30-bit integer or the top 30 bits of a double, maybe divided by 100. */
export function rkValue(rk: number): number {
  let value: number;
  if (rk & 2) value = rk >> 2;
  else {
    const bytes = new DataView(new ArrayBuffer(8));
    bytes.setUint32(4, rk & 0xfffffffc, true);
    value = bytes.getFloat64(0, true);
  }
  return rk & 1 ? value / 100 : value;
}

/**
 * An XLUnicodeString (a `lengthBytes`-byte character count, a flags byte, then 8- or 16-bit
 * characters) at `at`, not read past `end`.
 */
function readUnicodeString(view: DataView, at: number, end: number, lengthBytes: 1 | 2) {
  if (at + lengthBytes + 1 > end) return { text: "", next: end };
  const count = lengthBytes === 1 ? view.getUint8(at) : view.getUint16(at, true);
  const wide = (view.getUint8(at + lengthBytes) & 1) === 1;
  let pos = at + lengthBytes + 1;
  let text = "";
  for (let i = 0; i < count && pos + (wide ? 2 : 1) <= end; i++) {
    text += String.fromCharCode(wide ? view.getUint16(pos, true) : view.getUint8(pos));
    pos += wide ? 2 : 1;
  }
  return { text, next: pos };
}

/**
 * The shared string table, read across its CONTINUE records. A string's characters may break at a
 * record boundary, where the next record starts with a new flags byte saying whether the rest is
 * 8- or 16-bit; rich-text runs and phonetic data that break there have no such byte.
 */
function readSharedStrings(view: DataView, segments: RecordAt[], maxChars: number): string[] {
  let segment = 0;
  let pos = segments[0]!.start + 8; // skip cstTotal and cstUnique
  const left = () => segments[segment]!.end - pos;
  // Stays on the last record when there is no next one, so `left()` is never of a missing one.
  const advance = () => {
    if (segment + 1 >= segments.length) return false;
    segment += 1;
    pos = segments[segment]!.start;
    return true;
  };
  const ensure = (bytes: number) => {
    while (left() < bytes) if (!advance()) return false;
    return true;
  };
  const skip = (bytes: number) => {
    while (bytes > 0) {
      if (left() <= 0 && !advance()) return false;
      const step = Math.min(bytes, left());
      pos += step;
      bytes -= step;
    }
    return true;
  };
  const strings: string[] = [];
  let total = 0;
  while (ensure(3)) {
    const count = view.getUint16(pos, true);
    const flags = view.getUint8(pos + 2);
    pos += 3;
    let wide = (flags & 1) === 1;
    const runs = flags & 8 ? (ensure(2) ? view.getUint16(pos, true) : 0) : 0;
    if (flags & 8) pos += 2;
    const extBytes = flags & 4 ? (ensure(4) ? view.getInt32(pos, true) : 0) : 0;
    if (flags & 4) pos += 4;
    let text = "";
    for (let i = 0; i < count; i++) {
      if (left() <= 0) {
        if (!advance() || left() < 1) break;
        wide = (view.getUint8(pos) & 1) === 1;
        pos += 1;
      }
      if (left() < (wide ? 2 : 1)) break;
      if (text.length < MAX_CELL_CHARS)
        text += String.fromCharCode(wide ? view.getUint16(pos, true) : view.getUint8(pos));
      pos += wide ? 2 : 1;
    }
    total += text.length;
    if (total > maxChars)
      throw new PipelineError("too_complex", `Excel shared strings exceed ${maxChars} characters`);
    strings.push(text);
    if (!skip(runs * 4 + Math.max(0, extBytes))) break;
  }
  return strings;
}
