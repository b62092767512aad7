import type { DocumentOutput } from "./document-output.js";

// A heading line longer than this is still a heading; only its title is cut.
const MAX_LINE_PREFIX = 1024;
const fence = /^ {0,3}(`{3,}|~{3,})/;

export interface MarkdownHeadingScanner {
  /** `offset` is the output offset of the first character of `piece`. */
  feed(piece: string, offset: number): void;
  end(): void;
}

/**
 * Finds ATX headings (`#` to `######`) line by line without holding whole lines: only the first
 * 1 Ki characters of each line are kept. Lines inside fenced code blocks are not headings.
 * Setext headings (underlined with === or ---) are not recognized.
 */
export function scanMarkdownHeadings(output: DocumentOutput): MarkdownHeadingScanner {
  let lineStart = 0;
  let prefix = "";
  let fenceMarker: string | undefined;

  const endLine = () => {
    const fenceMatch = fence.exec(prefix);
    if (fenceMatch?.[1]) {
      const marker = fenceMatch[1];
      if (!fenceMarker) fenceMarker = marker;
      else if (marker[0] === fenceMarker[0] && marker.length >= fenceMarker.length) fenceMarker = undefined;
      return;
    }
    if (fenceMarker) return;
    const heading = atxHeading(prefix);
    if (heading) output.openSection(heading.title, heading.level, lineStart);
  };

  return {
    feed(piece, offset) {
      let from = 0;
      for (let nl = piece.indexOf("\n"); nl >= 0; nl = piece.indexOf("\n", from)) {
        if (prefix.length < MAX_LINE_PREFIX)
          prefix += piece.slice(from, Math.min(nl, from + MAX_LINE_PREFIX - prefix.length));
        endLine();
        prefix = "";
        from = nl + 1;
        lineStart = offset + from;
      }
      if (prefix.length < MAX_LINE_PREFIX)
        prefix += piece.slice(from, from + MAX_LINE_PREFIX - prefix.length);
    },
    end() {
      if (prefix.length > 0) endLine();
    },
  };
}

const isBlank = (c: string | undefined) => c === " " || c === "\t";

/**
 * An ATX heading per CommonMark: up to 3 spaces, 1-6 `#`, then a space, tab or the end; an
 * optional closing run of `#` after a space is dropped. A single left-to-right and
 * right-to-left pass (a regular expression for this backtracked quadratically on a line of
 * `# a`, many spaces and `b`).
 */
export function atxHeading(line: string): { level: number; title: string } | undefined {
  let i = 0;
  while (i < 3 && line[i] === " ") i++;
  let level = 0;
  while (line[i] === "#") {
    level++;
    i++;
  }
  if (level === 0 || level > 6) return undefined;
  if (i < line.length && !isBlank(line[i])) return undefined;
  let end = line.length;
  while (end > i && isBlank(line[end - 1])) end--;
  let closing = end;
  while (closing > i && line[closing - 1] === "#") closing--;
  if (closing < end && (closing === i || isBlank(line[closing - 1]))) {
    end = closing;
    while (end > i && isBlank(line[end - 1])) end--;
  }
  let start = i;
  while (start < end && isBlank(line[start])) start++;
  return { level, title: line.slice(start, end) };
}
