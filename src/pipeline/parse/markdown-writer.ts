import type { DocumentOutput } from "./document-output.js";
import { TableBuilder } from "./markdown-table.js";

export type MarkdownBlock =
  | { kind: "paragraph" }
  | { kind: "heading"; level: number }
  /** `depth` 0 is a top-level item; `number` makes it an ordered item. */
  | { kind: "listItem"; depth: number; number?: number }
  | { kind: "quote" };

const MAX_TITLE_CHARS = 200;
const MAX_LIST_DEPTH = 8;
// A paragraph that starts like Markdown syntax would be read as that syntax.
const blockSyntax = /^(#{1,6}(\s|$)|>|[-+*](\s|$)|\d{1,9}[.)](\s|$)|```|~~~|={3,}\s*$|-{3,}\s*$)/;

/**
 * Renders a document's structure as Markdown into a DocumentOutput, for every format that has
 * structure: blocks are separated by a blank line (list items by one newline), headings get
 * `#` by level and open a section, list items are indented four spaces per level (enough for
 * both `-` and `1.` parents), tables are GFM pipe tables and code is fenced. Text streams: a
 * block's text is appended as it arrives, so a huge paragraph is never held. Blocks start
 * lazily, so a block that receives no visible text leaves nothing behind.
 *
 * @example
 * const md = new MarkdownWriter(output);
 * md.heading(2, "Revenue");
 * md.begin({ kind: "paragraph" }); md.text("Grew "); md.text("10%."); md.end();
 */
export class MarkdownWriter {
  #pending: MarkdownBlock | undefined;
  #open: MarkdownBlock | undefined;
  #previous: "none" | "list" | "block" = "none";
  #title = "";
  #start = 0;
  #lastListDepth = -1;

  constructor(readonly output: DocumentOutput) {}

  /** Ends the current block; the next text starts `block`. */
  begin(block: MarkdownBlock): void {
    this.end();
    this.#pending = block;
  }

  /** Appends inline text to the current block, starting a paragraph if none was begun. */
  text(raw: string): void {
    if (raw === "") return;
    if (!this.#open) {
      const block = this.#pending ?? { kind: "paragraph" };
      const text = raw.replace(/^\s+/, "");
      if (text === "") return;
      this.#startBlock(block);
      this.#append(block.kind === "paragraph" && blockSyntax.test(text) ? `\\${text}` : text);
      return;
    }
    this.#append(raw);
  }

  /** Ends the current block; a heading opens its section here, once its title is known. */
  end(): void {
    const block = this.#open;
    this.#open = undefined;
    this.#pending = undefined;
    if (block?.kind !== "heading") return;
    const title = this.#title.replace(/\s+/g, " ").trim();
    if (title) this.output.openSection(title, block.level, this.#start);
  }

  heading(level: number, text: string): void {
    this.#whole({ kind: "heading", level }, text);
  }

  paragraph(text: string): void {
    this.#whole({ kind: "paragraph" }, text);
  }

  /** A block written as it is, without escaping: text that is already Markdown-like (an e-mail body). */
  verbatim(text: string): void {
    this.end();
    const body = text.replace(/^\s*\n|\s+$/g, "");
    if (body.trim() === "") return;
    this.#separate("block");
    this.output.append(body);
  }

  listItem(depth: number, text: string, number?: number): void {
    this.#whole({ kind: "listItem", depth, number }, text);
  }

  /** A fenced code block; the fence is longer than any run of backticks in the code. */
  codeBlock(code: string, language = ""): void {
    this.end();
    const body = code.replace(/^\n+|\s+$/g, "");
    if (body === "") return;
    const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((run) => run.length));
    const fence = "`".repeat(Math.max(3, longest + 1));
    this.#separate("block");
    this.output.append(`${fence}${language.replace(/[`\s]/g, "")}\n${body}\n${fence}`);
  }

  /** Starts a table; rows go to the returned builder, and `end()` on it finishes the table. */
  table(maxHeldChars?: number): TableBuilder {
    this.end();
    let started = false;
    return new TableBuilder((markdown) => {
      if (!started) {
        this.#separate("block");
        this.#lastListDepth = -1;
      }
      started = true;
      this.output.append(markdown);
    }, maxHeldChars);
  }

  /** A thematic break, e.g. between slides or e-mail parts. */
  rule(): void {
    this.end();
    if (this.output.length === 0) return;
    this.#separate("block");
    this.output.append("---");
  }

  #whole(block: MarkdownBlock, text: string): void {
    this.begin(block);
    this.text(text);
    this.end();
  }

  #startBlock(block: MarkdownBlock): void {
    this.#separate(block.kind === "listItem" ? "list" : "block");
    this.#open = block;
    this.#start = this.output.length;
    this.#title = "";
    if (block.kind === "heading") {
      this.output.append(`${"#".repeat(Math.min(6, Math.max(1, block.level)))} `);
    } else if (block.kind === "listItem") {
      // A list cannot skip a level: an item two levels deeper than its parent would be code.
      const depth = Math.min(block.depth, this.#lastListDepth + 1, MAX_LIST_DEPTH);
      this.#lastListDepth = depth;
      const marker = block.number === undefined ? "-" : `${block.number}.`;
      this.output.append(`${"    ".repeat(Math.max(0, depth))}${marker} `);
    } else if (block.kind === "quote") {
      this.output.append("> ");
    }
    if (block.kind !== "listItem") this.#lastListDepth = -1;
  }

  #append(text: string): void {
    const block = this.#open;
    let out = text;
    if (block?.kind === "heading" || block?.kind === "listItem") out = out.replace(/\s*\n\s*/g, " ");
    else if (block?.kind === "quote") out = out.replace(/\n/g, "\n> ");
    if (block?.kind === "heading" && this.#title.length < MAX_TITLE_CHARS) this.#title += out;
    this.output.append(out);
  }

  #separate(kind: "list" | "block"): void {
    // Another writer (an attachment's, an earlier part's) may have written before this one.
    if (this.output.length > 0) {
      this.output.append(kind === "list" && this.#previous === "list" ? "\n" : "\n\n");
    }
    this.#previous = kind;
  }
}
