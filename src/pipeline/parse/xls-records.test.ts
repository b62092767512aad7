import { describe, expect, it } from "vitest";
import { readXlsWorkbook, rkValue } from "./xls-records.js";

// A BIFF8 `Workbook` stream built record by record ([MS-XLS] §2.1.4: type, length, body).
const bytesOf = (...parts: (Uint8Array | number[])[]) => {
  const arrays = parts.map((p) => (p instanceof Uint8Array ? p : Uint8Array.from(p)));
  const out = new Uint8Array(arrays.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of arrays) {
    out.set(p, at);
    at += p.length;
  }
  return out;
};
const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >>> 24) & 0xff];
const f64 = (v: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setFloat64(0, v, true);
  return b;
};
const record = (type: number, ...body: (Uint8Array | number[])[]) => {
  const b = bytesOf(...body);
  return bytesOf(u16(type), u16(b.length), b);
};
const latin = (text: string) => Array.from(text, (c) => c.charCodeAt(0));
const wide = (text: string) => Array.from(text).flatMap((c) => u16(c.charCodeAt(0)));
/** XLUnicodeString with a 16-bit count, 8-bit characters. */
const str16 = (text: string) => [...u16(text.length), 0, ...latin(text)];

const bof = (version = 0x0600, kind = 0x0005) => record(0x0809, u16(version), u16(kind), new Uint8Array(12));
const eof = () => record(0x000a);
const cell = (row: number, col: number, xf: number) => [...u16(row), ...u16(col), ...u16(xf)];

/** Globals (formats, XFs, sheets, SST) then each sheet's substream at the offset BOUNDSHEET gives. */
function workbook(opts: {
  globals?: Uint8Array[];
  sst?: Uint8Array[];
  sheets: { name: string; type?: number; records: Uint8Array[] }[];
}): { stream: Uint8Array } {
  const sheetBodies = opts.sheets.map((s) => bytesOf(bof(0x0600, 0x0010), ...s.records, eof()));
  const boundsheet = (offset: number, name: string, type: number) =>
    record(0x0085, u32(offset), [0, type], [name.length, 0], latin(name));
  const layout = (offsets: number[]) =>
    bytesOf(
      bof(),
      ...(opts.globals ?? []),
      ...opts.sheets.map((s, i) => boundsheet(offsets[i] ?? 0, s.name, s.type ?? 0)),
      ...(opts.sst ?? []),
      eof(),
    );
  const globalsLength = layout(opts.sheets.map(() => 0)).length;
  const offsets: number[] = [];
  let at = globalsLength;
  for (const body of sheetBodies) {
    offsets.push(at);
    at += body.length;
  }
  return { stream: bytesOf(layout(offsets), ...sheetBodies) };
}

const limits = { maxCells: 1000, maxColumns: 100, maxStringChars: 1 << 20 };
const throwsCode = (code: string) => expect.objectContaining({ code });

describe("readXlsWorkbook", () => {
  it("reads strings, numbers by their format, formulas' cached values and booleans, sheet by sheet", () => {
    // Shared strings: "Name", then "Größe Ω" broken across a CONTINUE where it turns 16-bit,
    // then a rich string whose formatting runs spill into the next CONTINUE.
    const sst = [
      record(0x00fc, u32(3), u32(3), str16("Name"), u16(7), [0], latin("Grö")),
      record(0x003c, [1], wide("ße Ω")),
      record(0x003c, u16(5), [0x08], u16(2), latin("Rich!"), u32(0)),
      record(0x003c, u32(0)),
    ];
    const globals = [
      record(0x041e, u16(164), str16("yyyy-mm-dd")), // a custom date format
      record(0x00e0, u16(0), u16(0), new Uint8Array(16)), // XF 0: General
      record(0x00e0, u16(0), u16(164), new Uint8Array(16)), // XF 1: the custom date
      record(0x00e0, u16(0), u16(10), new Uint8Array(16)), // XF 2: 0.00%
    ];
    const { stream } = workbook({
      globals,
      sst,
      sheets: [
        {
          name: "Data",
          records: [
            record(0x00fd, cell(0, 0, 0), u32(0)),
            record(0x00fd, cell(0, 1, 0), u32(1)),
            record(0x00fd, cell(0, 2, 0), u32(2)),
            record(0x0203, cell(1, 0, 1), f64(45292)), // 2024-01-01
            record(0x027e, cell(1, 1, 2), u32((25 << 2) | 2 | 1)), // RK integer 25, /100 → 25%
            record(0x00bd, u16(2), u16(0), u16(0), u32((7 << 2) | 2), u16(0), u32((8 << 2) | 2), u16(1)),
            record(0x0006, cell(3, 0, 0), [0, 0, 0, 0, 0, 0, 0xff, 0xff], new Uint8Array(6)), // string result
            record(0x0207, str16("from a formula")),
            record(0x0006, cell(3, 1, 0), [1, 0, 1, 0, 0, 0, 0xff, 0xff], new Uint8Array(6)), // TRUE
            record(0x0006, cell(3, 2, 0), [2, 0, 0x07, 0, 0, 0, 0xff, 0xff], new Uint8Array(6)), // #DIV/0!
            record(0x0006, cell(4, 0, 0), f64(0.1 + 0.2), new Uint8Array(6)),
            record(0x0205, cell(4, 1, 0), [0, 0]), // FALSE
            record(0x0204, cell(4, 2, 0), str16("a label")),
          ],
        },
        { name: "Chart1", type: 2, records: [record(0x0203, cell(0, 0, 0), f64(1))] },
        { name: "Empty", records: [] },
      ],
    });
    expect(readXlsWorkbook(stream, limits)).toEqual({
      sheets: [
        {
          name: "Data",
          rows: [
            ["Name", "Größe Ω", "Rich!"],
            ["2024-01-01", "25%"],
            ["7", "8"],
            ["from a formula", "TRUE", "#DIV/0!"],
            ["0.3", "FALSE", "a label"],
          ],
        },
        { name: "Empty", rows: [] },
      ],
      cellsSkipped: 0,
      truncated: false,
    });
  });

  it("shows dates from 1904 for a workbook in that date system", () => {
    const { stream } = workbook({
      globals: [record(0x0022, u16(1)), record(0x00e0, u16(0), u16(14), new Uint8Array(16))],
      sheets: [{ name: "S", records: [record(0x0203, cell(0, 0, 0), f64(0))] }],
    });
    expect(readXlsWorkbook(stream, limits).sheets[0]!.rows).toEqual([["1904-01-01"]]);
  });

  it("leaves out cells past the workbook's limit and right of the column limit, and says so", () => {
    const { stream } = workbook({
      sheets: [
        {
          name: "S",
          records: [
            record(0x0203, cell(0, 0, 0), f64(1)),
            record(0x0203, cell(0, 5, 0), f64(2)),
            record(0x0203, cell(1, 0, 0), f64(3)),
            record(0x0203, cell(2, 0, 0), f64(4)),
          ],
        },
      ],
    });
    expect(readXlsWorkbook(stream, { ...limits, maxCells: 2, maxColumns: 3 })).toEqual({
      sheets: [{ name: "S", rows: [["1"], ["3"]] }],
      cellsSkipped: 1,
      truncated: true,
    });
  });

  it("refuses Excel 5.0/95 and an encrypted workbook, and fails garbage and too many strings", () => {
    expect(() => readXlsWorkbook(bytesOf(bof(0x0500), eof()), limits)).toThrow(
      throwsCode("unsupported_type"),
    );
    const encrypted = bytesOf(bof(), record(0x002f, new Uint8Array(54)), eof());
    expect(() => readXlsWorkbook(encrypted, limits)).toThrow(throwsCode("encrypted_file"));
    expect(() => readXlsWorkbook(new Uint8Array(40), limits)).toThrow(throwsCode("corrupt_file"));
    const big = workbook({
      sst: [record(0x00fc, u32(2), u32(2), str16("x".repeat(600)), str16("y".repeat(600)))],
      sheets: [],
    });
    expect(() => readXlsWorkbook(big.stream, { ...limits, maxStringChars: 1000 })).toThrow(
      throwsCode("too_complex"),
    );
  });

  it("reads what it can of a shared string table that ends inside a string's header", () => {
    const { stream } = workbook({
      // A rich, phonetic string whose run count and phonetic size are missing.
      sst: [record(0x00fc, u32(2), u32(2), str16("kept"), u16(3), [0x0c])],
      sheets: [{ name: "S", records: [record(0x00fd, cell(0, 0, 0), u32(0))] }],
    });
    expect(readXlsWorkbook(stream, limits).sheets[0]!.rows).toEqual([["kept"]]);
  });

  it("reads a sheet once when several point at it, and stops at a truncated stream", () => {
    const { stream } = workbook({
      sheets: [
        { name: "A", records: [record(0x0203, cell(0, 0, 0), f64(5))] },
        { name: "B", records: [record(0x0203, cell(0, 0, 0), f64(6))] },
      ],
    });
    // Point the second BOUNDSHEET at the first sheet's substream.
    const view = new DataView(stream.buffer);
    const boundsheets: number[] = [];
    for (let at = 0; at + 4 <= stream.length; at += 4 + view.getUint16(at + 2, true)) {
      if (view.getUint16(at, true) === 0x0085) boundsheets.push(at + 4);
      if (view.getUint16(at, true) === 0x000a) break;
    }
    expect(readXlsWorkbook(stream, limits).sheets.map((s) => s.rows)).toEqual([[["5"]], [["6"]]]);
    view.setUint32(boundsheets[1]!, view.getUint32(boundsheets[0]!, true), true);
    expect(readXlsWorkbook(stream, limits).sheets).toEqual([{ name: "A", rows: [["5"]] }]);
    const one = workbook({ sheets: [{ name: "A", records: [record(0x0203, cell(0, 0, 0), f64(5))] }] });
    // The cut takes the EOF and part of the NUMBER record: the cell is not read.
    expect(readXlsWorkbook(one.stream.subarray(0, one.stream.length - 10), limits).sheets).toEqual([
      { name: "A", rows: [] },
    ]);
  });
});

describe("rkValue", () => {
  it("decodes integers, doubles and their hundredths", () => {
    expect(rkValue((123 << 2) | 2)).toBe(123);
    expect(rkValue((-5 << 2) | 2)).toBe(-5);
    expect(rkValue((12345 << 2) | 3)).toBe(123.45);
    const high = new DataView(new ArrayBuffer(8));
    high.setFloat64(0, 2.5, true);
    expect(rkValue(high.getUint32(4, true))).toBe(2.5);
  });
});
