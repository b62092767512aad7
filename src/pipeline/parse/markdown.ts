import type { DocumentOutput } from "./document-output.js";

// A heading line longer than this is still a heading; only its title is cut.
const MAX_LINE_PREFIX = 1024;
const atxHeading = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
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
    const heading = atxHeading.exec(prefix);
    if (heading?.[1]) output.openSection((heading[2] ?? "").trim(), heading[1].length, lineStart);
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
