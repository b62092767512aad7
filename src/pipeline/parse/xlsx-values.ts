import type { MarkdownWriter } from "./markdown-writer.js";
import type { ParseLimits } from "./types.js";
import { localName, type ZipPackage } from "./zip-package.js";

// Shared strings are held for the whole workbook (XLSX or XLS); past this many characters (64 MiB
// of heap) the workbook fails as too_complex rather than risk the sandbox's heap.
export const SHARED_STRINGS_MAX_CHARS = 32 * 1024 * 1024;
export const MAX_CELL_CHARS = 32 * 1024; // Excel's own limit is 32,767 characters per cell

/** Says in the text and the metadata which cells a workbook's limits left out. */
export function noteLeftOutCells(
  md: MarkdownWriter,
  limits: ParseLimits,
  left: { truncated: boolean; cellsSkipped: number },
  metadata: Record<string, unknown>,
): void {
  if (left.truncated) {
    md.paragraph(
      `(The rest of the workbook was left out: intake reads at most ${limits.sheetMaxCells} cells.)`,
    );
    metadata.truncatedAtCells = limits.sheetMaxCells;
  }
  if (left.cellsSkipped > 0) {
    md.paragraph(`(${left.cellsSkipped} cells right of column ${limits.sheetMaxColumns} were left out.)`);
    metadata.cellsSkipped = left.cellsSkipped;
  }
}

/** How a cell's number is shown, by the style index of its `s` attribute. */
export type CellFormat = "number" | "percent" | "date" | "datetime" | "time";

// ECMA-376 Part 1, 18.8.30: the built-in number formats that are dates or times.
const builtinFormats: Record<number, CellFormat> = {
  9: "percent",
  10: "percent",
  14: "date",
  15: "date",
  16: "date",
  17: "date",
  18: "time",
  19: "time",
  20: "time",
  21: "time",
  22: "datetime",
  45: "time",
  46: "time",
  47: "time",
};

/** How a built-in number format (ECMA-376 and BIFF share the ids) shows a number. */
export function builtinCellFormat(id: number): CellFormat {
  return builtinFormats[id] ?? "number";
}

/** The format of every cell style (`cellXfs`) in xl/styles.xml, by index. */
export async function readCellFormats(pkg: ZipPackage, maxDepth: number): Promise<CellFormat[]> {
  const custom = new Map<number, CellFormat>();
  const formats: CellFormat[] = [];
  let inCellXfs = false;
  await pkg.streamXml(
    "xl/styles.xml",
    {
      onopentag(name, attributes) {
        const local = localName(name);
        if (local === "numFmt") {
          custom.set(Number(attributes.numFmtId), formatOfCode(attributes.formatCode ?? ""));
        } else if (local === "cellXfs") inCellXfs = true;
        else if (local === "xf" && inCellXfs) {
          const id = Number(attributes.numFmtId) || 0;
          formats.push(custom.get(id) ?? builtinFormats[id] ?? "number");
        }
      },
      onclosetag(name) {
        if (localName(name) === "cellXfs") inCellXfs = false;
      },
    },
    maxDepth,
  );
  return formats;
}

/** Classifies a custom number format code such as `yyyy-mm-dd`, `[h]:mm` or `0.0%`. */
export function formatOfCode(code: string): CellFormat {
  // Quoted text, escaped characters and [colour]/[condition] sections say nothing about dates.
  const bare = code.replace(/"[^"]*"|\\.|\[(?!h\]|m\]|s\])[^\]]*\]/gi, "");
  const hasDate = /[dy]/i.test(bare) || /(^|[^hs:])m{3,}/i.test(bare);
  const hasTime = /[hs]/i.test(bare);
  if (hasDate && hasTime) return "datetime";
  if (hasDate) return "date";
  if (hasTime) return "time";
  if (bare.includes("%")) return "percent";
  // m alone (no h or s next to it) is a month: "m/d" has d already, "mmm" is caught above.
  return /m/i.test(bare) ? "date" : "number";
}

const DAY_MS = 86_400_000;
// Serial 0 of the 1900 system is 1899-12-31, and Excel counts 1900-02-29, which never was; for
// serials from 61 on, 1899-12-30 as day 0 gives the right date.
const EPOCH_1900 = Date.UTC(1899, 11, 30);
const EPOCH_1904 = Date.UTC(1904, 0, 1);

/** A cell's number as Excel would show it in substance: dates as ISO dates, percents with %. */
export function formatNumber(raw: string, format: CellFormat, date1904: boolean): string {
  const value = Number(raw);
  if (raw.trim() === "" || !Number.isFinite(value)) return raw;
  switch (format) {
    case "percent":
      return `${trimNumber(value * 100)}%`;
    case "date":
    case "datetime":
    case "time": {
      if (value < 0 || value > 2_958_465) return trimNumber(value); // past 9999-12-31
      const epoch = date1904 ? EPOCH_1904 : value < 61 ? EPOCH_1900 + DAY_MS : EPOCH_1900;
      const iso = new Date(epoch + Math.round(value * DAY_MS)).toISOString();
      const day = iso.slice(0, 10);
      const time = iso.slice(11, 19).replace(/:00$/, "");
      if (format === "time") return value < 1 ? time : `${day} ${time}`;
      if (format === "date" || iso.slice(11, 19) === "00:00:00") return day;
      return `${day} ${time}`;
    }
    default:
      return trimNumber(value);
  }
}

// Binary floating point shows 0.1+0.2 as 0.30000000000000004; Excel shows 15 significant digits.
function trimNumber(value: number): string {
  return String(Number(value.toPrecision(15)));
}

/** Zero-based column index of a cell reference such as `AB12`; undefined when it has none. */
export function columnOfRef(ref: string | undefined): number | undefined {
  if (!ref) return undefined;
  let column = 0;
  let i = 0;
  for (; i < ref.length && i < 4; i++) {
    const code = ref.charCodeAt(i) & ~0x20; // upper case
    if (code < 65 || code > 90) break;
    column = column * 26 + (code - 64);
  }
  return i === 0 ? undefined : column - 1;
}
