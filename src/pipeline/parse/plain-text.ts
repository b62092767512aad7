import type { DocumentOutput } from "./document-output.js";
import { scanMarkdownHeadings } from "./markdown.js";
import type { ParseLimits } from "./types.js";

export type StreamingTextType = "text" | "log" | "csv" | "json" | "markdown";

/**
 * Writes decoded text through to the output as it arrives. Markdown headings become sections;
 * JSON no larger than `jsonValidateMaxBytes` and nested at most `jsonMaxDepth` deep is parsed
 * once to record whether it is valid; other JSON is passed through unvalidated (holding it
 * would defeat streaming). CSV streams as text: no field is ever held, however long.
 */
export async function parseStreamingText(
  text: AsyncIterable<string>,
  type: StreamingTextType,
  output: DocumentOutput,
  limits: Pick<ParseLimits, "jsonValidateMaxBytes" | "jsonMaxDepth">,
): Promise<Record<string, unknown>> {
  let newlines = 0;
  let lastChar = "";
  const json = type === "json" ? new JsonProbe(limits.jsonValidateMaxBytes, limits.jsonMaxDepth) : undefined;
  const headings = type === "markdown" ? scanMarkdownHeadings(output) : undefined;

  for await (const piece of text) {
    for (let i = piece.indexOf("\n"); i >= 0; i = piece.indexOf("\n", i + 1)) newlines += 1;
    lastChar = piece.at(-1) ?? lastChar;
    headings?.feed(piece, output.length);
    json?.add(piece);
    await output.write(piece);
  }
  headings?.end();

  const metadata: Record<string, unknown> = { lines: newlines + (lastChar && lastChar !== "\n" ? 1 : 0) };
  if (json) metadata.json = json.result();
  return metadata;
}

class JsonProbe {
  #pieces: string[] | undefined = [];
  #chars = 0;

  constructor(
    private readonly maxChars: number,
    private readonly maxDepth: number,
  ) {}

  add(piece: string): void {
    if (!this.#pieces) return;
    this.#chars += piece.length;
    if (this.#chars > this.maxChars) this.#pieces = undefined;
    else this.#pieces.push(piece);
  }

  result():
    | { validated: false; reason: "too_large" | "too_deep" }
    | { validated: true; valid: boolean; format?: "json" | "ndjson" } {
    if (!this.#pieces) return { validated: false, reason: "too_large" };
    const text = this.#pieces.join("");
    if (nestingDepth(text) > this.maxDepth) return { validated: false, reason: "too_deep" };
    if (parses(text)) return { validated: true, valid: true, format: "json" };
    const lines = text.split("\n").filter((line) => line.trim() !== "");
    if (lines.length > 1 && lines.every(parses)) return { validated: true, valid: true, format: "ndjson" };
    return { validated: true, valid: false };
  }
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The deepest nesting of `[` and `{` outside strings, in one pass. */
export function nestingDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x5b || c === 0x7b) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 0x5d || c === 0x7d) depth = Math.max(0, depth - 1);
  }
  return max;
}
