/**
 * Collects one table's rows and renders them as a GFM pipe table. GFM takes the column count
 * from the header row, so rows are held until the table ends, but only up to `maxHeldChars`:
 * past that the rows held so far are rendered (fixing the column count) and later rows stream
 * through one at a time, with cells past the last column joined into it. A table therefore
 * never holds more than about `maxHeldChars` characters, however many rows it has.
 */
export class TableBuilder {
  #rows: string[][] = [];
  #row: string[] | undefined;
  #heldChars = 0;
  #columns: number | undefined;
  #skip = 0;
  #rendered = 0;

  constructor(
    private readonly emit: (markdown: string) => void,
    private readonly maxHeldChars = 2 * 1024 * 1024,
  ) {}

  /** Rows written so far, including those still held. */
  get rowCount(): number {
    return this.#rendered + this.#rows.length + (this.#row ? 1 : 0);
  }

  startRow(): void {
    this.endRow();
    this.#row = [];
  }

  /** Adds a cell to the current row (starting one if needed). */
  cell(text: string): void {
    if (!this.#row) this.#row = [];
    const cell = escapeCell(text);
    this.#row.push(cell);
    this.#heldChars += cell.length + 3;
  }

  endRow(): void {
    const row = this.#row;
    this.#row = undefined;
    if (!row || row.every((cell) => cell === "")) return;
    if (this.#columns === undefined) {
      this.#rows.push(row);
      if (this.#heldChars > this.maxHeldChars) this.#renderHeld();
    } else {
      this.emit(`\n${renderRow(fitRow(row.slice(this.#skip), this.#columns))}`);
      this.#rendered += 1;
    }
  }

  /** Renders whatever is held; returns false when the table had no non-empty row. */
  end(): boolean {
    this.endRow();
    if (this.#columns === undefined) {
      if (this.#rows.length === 0) return this.#rendered > 0;
      this.#renderHeld();
    }
    return true;
  }

  #renderHeld(): void {
    const rows = this.#rows;
    // Trailing columns that are empty in every row (spreadsheet padding) are not columns.
    let columns = 1;
    for (const row of rows) columns = Math.max(columns, row.length);
    while (columns > 1 && rows.every((row) => (row[columns - 1] ?? "") === "")) columns -= 1;
    // Leading columns empty in every row (a sheet whose data starts in column C) go as well;
    // rows streamed later are shifted the same way.
    let skip = 0;
    while (skip < columns - 1 && rows.every((row) => (row[skip] ?? "") === "")) skip += 1;
    this.#skip = skip;
    columns -= skip;
    this.#columns = columns;
    const [header = [], ...body] = rows.map((row) => row.slice(skip));
    const lines = [renderRow(fitRow(header, columns)), renderRow(new Array(columns).fill("---"))];
    for (const row of body) lines.push(renderRow(fitRow(row, columns)));
    this.emit(lines.join("\n"));
    this.#rendered += rows.length;
    this.#rows = [];
    this.#heldChars = 0;
  }
}

/** Pipes are escaped and line breaks become `<br>`, so that a cell stays on its row's line. */
export function escapeCell(text: string): string {
  return text
    .replace(/\r\n?/g, "\n")
    .trim()
    .replace(/\|/g, "\\|")
    .replace(/[ \t]*\n[ \t\n]*/g, "<br>")
    .replace(/[ \t\v\f]+/g, " ");
}

function fitRow(row: string[], columns: number): string[] {
  if (row.length === columns) return row;
  if (row.length < columns) return [...row, ...new Array<string>(columns - row.length).fill("")];
  const kept = row.slice(0, columns - 1);
  kept.push(
    row
      .slice(columns - 1)
      .filter((cell) => cell !== "")
      .join(" "),
  );
  return kept;
}

function renderRow(cells: string[]): string {
  return `| ${cells.join(" | ")} |`;
}
