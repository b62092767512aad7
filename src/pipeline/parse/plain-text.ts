import type { DocumentOutput } from "./document-output.js";
import { scanMarkdownHeadings } from "./markdown.js";

export type StreamingTextType = "text" | "log" | "csv" | "json" | "markdown";

/**
 * Writes decoded text through to the output as it arrives. Markdown headings become sections;
 * JSON no larger than `jsonValidateMaxChars` is parsed once to record whether it is valid, larger
 * JSON is passed through unvalidated (holding it would defeat streaming).
 */
export async function parseStreamingText(
  text: AsyncIterable<string>,
  type: StreamingTextType,
  output: DocumentOutput,
  jsonValidateMaxChars: number,
): Promise<Record<string, unknown>> {
  let newlines = 0;
  let lastChar = "";
  const json = type === "json" ? new JsonProbe(jsonValidateMaxChars) : undefined;
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

  constructor(private readonly maxChars: number) {}

  add(piece: string): void {
    if (!this.#pieces) return;
    this.#chars += piece.length;
    if (this.#chars > this.maxChars) this.#pieces = undefined;
    else this.#pieces.push(piece);
  }

  result(): { validated: false } | { validated: true; valid: boolean; format?: "json" | "ndjson" } {
    if (!this.#pieces) return { validated: false };
    const text = this.#pieces.join("");
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
