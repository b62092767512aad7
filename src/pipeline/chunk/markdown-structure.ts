import { atxHeading } from "../parse/markdown.js";

/**
 * Glossary: a *row* is a GFM pipe-table line (it starts with `|`); a table's *header* is its
 * first row when the next line is a *delimiter* row (`| --- | :-: |`); a *fence* line is any
 * line of a fenced code block, from its opening ``` or ~~~ line to its closing one; the
 * *context* of a line is the text a chunk starting on it repeats first.
 */
type LineKind = "text" | "row" | "header" | "delimiter" | "fence";

interface Line {
  start: number;
  kind: LineKind;
  /** For a fence line, where its block's opening line starts. */
  blockStart: number;
  /** Headings in effect from this line's start, outermost first. */
  headingPath: readonly string[];
  /** A table's header and delimiter rows (body rows), a fence's opening line (fence lines). */
  context: string;
}

/** `strict`: never inside a row or a code block, nor between a table's header and its first
 * body row. `relaxed`: also at the line boundaries inside a code block and a table's header. */
export type CutRule = "strict" | "relaxed";

/** Characters of a line read to classify it; a longer heading's title is cut there. */
const LINE_PREFIX = 1024;
/** Text the caller must hold past the last position it asks about (a line and the next one). */
export const STRUCTURE_LOOKAHEAD = 2 * LINE_PREFIX;
const MAX_TITLE = 200;

const fenceOpen = /^ {0,3}(`{3,}|~{3,})/;

/**
 * A GFM table's delimiter row (`| --- | :-: |`), checked in one pass: cells of optional colons
 * around dashes, separated by pipes. (A regular expression for it backtracked quadratically on
 * a long run of spaces, and chunking runs on the worker's main thread.)
 */
function isDelimiterRow(line: string): boolean {
  let i = 0;
  while (i < 3 && line[i] === " ") i++;
  let cells = 0;
  let end = line.length;
  while (end > i && (line[end - 1] === " " || line[end - 1] === "\t")) end--;
  if (line[i] === "|") i++;
  if (end > i && line[end - 1] === "|") end--;
  for (const cell of line.slice(i, end).split("|")) {
    const c = cell.trim();
    if (!/^:?-+:?$/.test(c)) return false;
    cells++;
  }
  return cells > 0;
}

/**
 * Reads Markdown as it streams, one line at a time, and answers what the chunker asks: where a
 * cut is allowed, and the heading path and repeated context at a chunk's start. Each line is
 * classified from at most its first `LINE_PREFIX` characters, so the answers depend on the text
 * only, not on how it was split into pieces; only the lines of the current window are kept.
 */
export class MarkdownStructure {
  #lines: Line[] = [];
  #first = 0;
  /** Start of the next line to classify, and where to go on looking for the current one's end. */
  #next = 0;
  #searchFrom = -1;
  #headings: string[] = [];
  #path: readonly string[] = [];
  #fence: { marker: string; opener: string; start: number } | null = null;
  #run: { length: number; first: string | null; header: string } | null = null;

  /** Classifies every line that starts at or before `upTo`. `text` holds the stream from
   * `textStart` to at least `upTo + STRUCTURE_LOOKAHEAD`, or to its end. */
  advance(text: string, textStart: number, upTo: number): void {
    while (this.#next <= upTo && this.#next - textStart < text.length) {
      if (this.#searchFrom < 0) {
        const local = this.#next - textStart;
        const end = text.indexOf("\n", local);
        const complete = end >= 0 && end - local <= LINE_PREFIX;
        this.#classify(text.slice(local, complete ? end : local + LINE_PREFIX), complete);
        this.#searchFrom = this.#next;
      }
      // A long line is searched once: the search resumes where the text ran out (absolute offsets,
      // since the caller drops text behind the chunk start, which may lie inside this line).
      const newline = text.indexOf("\n", Math.max(0, this.#searchFrom - textStart));
      if (newline < 0) {
        this.#searchFrom = textStart + text.length;
        return;
      }
      this.#next = textStart + newline + 1;
      this.#searchFrom = -1;
    }
  }

  /** Whether a chunk may end at `offset` (a position already advanced past). */
  allows(offset: number, rule: CutRule): boolean {
    const i = this.#indexAt(offset);
    const line = this.#lines[i];
    if (!line) return true;
    if (offset > line.start) return line.kind === "text";
    if (rule === "relaxed") return true;
    if (line.kind === "fence") return line.start === line.blockStart;
    if (line.kind === "delimiter") return false;
    return !(line.kind === "row" && this.#lines[i - 1]?.kind === "delimiter");
  }

  /** The heading path in effect at `offset`. */
  headingPathAt(offset: number): string[] {
    return [...(this.#lines[this.#indexAt(offset)]?.headingPath ?? [])];
  }

  /** What a chunk starting at `offset` repeats first, or "". */
  contextAt(offset: number): string {
    const line = this.#lines[this.#indexAt(offset)];
    if (!line) return "";
    if (line.kind === "fence") return line.start === line.blockStart ? "" : line.context;
    return line.kind === "row" ? line.context : "";
  }

  /** `offset`, or the end of the row it falls inside (at most `limit`). */
  rowBoundaryFrom(offset: number, limit: number): number {
    const i = this.#indexAt(offset);
    const line = this.#lines[i];
    if (!line || offset === line.start || line.kind === "text" || line.kind === "fence") return offset;
    return Math.min(this.#lines[i + 1]?.start ?? limit, limit);
  }

  /** Forgets the lines before the one holding `offset` (keeping one more for `allows`). */
  dropBefore(offset: number): void {
    this.#first = Math.max(this.#first, this.#indexAt(offset) - 1);
    if (this.#first > 1024 && this.#first * 2 > this.#lines.length) {
      this.#lines = this.#lines.slice(this.#first);
      this.#first = 0;
    }
  }

  #indexAt(offset: number): number {
    let low = this.#first;
    let high = this.#lines.length - 1;
    if (high < low || (this.#lines[low]?.start ?? 0) > offset) return -1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((this.#lines[mid]?.start ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  #classify(line: string, complete: boolean): void {
    const start = this.#next;
    const push = (kind: LineKind, context = "", blockStart = start) =>
      this.#lines.push({ start, kind, blockStart, headingPath: this.#path, context });
    const fence = this.#fence;
    if (fence) {
      push("fence", fence.opener, fence.start);
      if (complete && isFenceClose(line, fence.marker)) this.#fence = null;
      return;
    }
    const opened = fenceOpen.exec(line);
    if (opened?.[1]) {
      this.#run = null;
      this.#fence = { marker: opened[1], opener: complete ? `${line}\n` : `${opened[1]}\n`, start };
      push("fence");
      return;
    }
    if (/^ {0,3}\|/.test(line)) {
      this.#classifyRow(line, complete, push);
      return;
    }
    this.#run = null;
    const heading = atxHeading(line.replace(/\r$/, ""));
    if (heading) this.#enterHeading(heading.level, heading.title);
    push("text");
  }

  #classifyRow(line: string, complete: boolean, push: (kind: LineKind, context?: string) => void): void {
    const run = this.#run;
    if (!run) {
      this.#run = { length: 1, first: complete ? line : null, header: "" };
      push("row");
      return;
    }
    run.length += 1;
    if (run.length === 2 && run.first !== null && complete && isDelimiterRow(line.replace(/\r$/, ""))) {
      const header = this.#lines.at(-1);
      if (header) header.kind = "header";
      run.header = `${run.first}\n${line}\n`;
      push("delimiter");
      return;
    }
    push("row", run.header);
  }

  #enterHeading(level: number, title: string): void {
    const headings = this.#headings.slice(0, level - 1);
    while (headings.length < level - 1) headings.push("");
    headings.push(title.trim().slice(0, MAX_TITLE));
    this.#headings = headings;
    this.#path = headings.filter((h) => h !== "");
  }
}

function isFenceClose(line: string, marker: string): boolean {
  const trimmed = line.trim();
  return trimmed.length >= marker.length && trimmed === (marker[0] ?? "").repeat(trimmed.length);
}
