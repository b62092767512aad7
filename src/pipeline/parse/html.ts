import { BoundedParser } from "./bounded-parser.js";
import type { DocumentOutput } from "./document-output.js";
import type { TableBuilder } from "./markdown-table.js";
import { MarkdownWriter } from "./markdown-writer.js";

const MAX_TITLE_CHARS = 2000;
// One table cell or <pre> holds at most this much text; past it the rest is left out.
const MAX_HELD_CHARS = 1024 * 1024;
const skipped = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "head",
  "svg",
  "iframe",
  "object",
  "canvas",
]);
// Elements that end the block before them; text after them starts a new paragraph.
const containers = new Set([
  "div",
  "section",
  "article",
  "main",
  "header",
  "footer",
  "nav",
  "aside",
  "form",
  "fieldset",
  "details",
  "summary",
  "figure",
  "figcaption",
  "address",
  "dl",
  "dt",
  "dd",
  "center",
  "body",
]);

interface Table {
  builder: TableBuilder | undefined;
  cell: string | undefined;
  span: number;
}

/**
 * Converts HTML to Markdown as it streams through a tolerant parser: h1-h6 become headings (and
 * sections), p paragraphs, ul/ol/li lists, table GFM tables (nested tables flattened into their
 * cell), pre code blocks, blockquote quotes, links their text. Script, style and other
 * non-content elements are dropped, whitespace is collapsed outside <pre> and entities are
 * decoded. Elements nested deeper than `maxDepth` are flattened into their parent (see
 * BoundedParser).
 */
export async function parseHtml(
  text: AsyncIterable<string>,
  output: DocumentOutput,
  maxDepth: number,
): Promise<Record<string, unknown>> {
  const md = new MarkdownWriter(output);
  const lists: { ordered: boolean; next: number }[] = [];
  const tables: Table[] = [];
  let skipDepth = 0;
  let listItemDepth = 0;
  let pre: { text: string; language: string } | undefined;
  let inTitle = false;
  let documentTitle = "";
  let pendingSpace = false;

  const endBlock = () => {
    md.end();
    pendingSpace = false;
  };
  const emit = (raw: string) => {
    const table = tables[0];
    if (pre && !table) {
      if (pre.text.length < MAX_HELD_CHARS) pre.text += raw;
      return;
    }
    // HTML collapses ASCII whitespace only; a no-break space (&nbsp;) stays.
    let piece = raw.replace(/[ \t\n\f\r]+/g, " ");
    if (piece.startsWith(" ")) {
      pendingSpace = true;
      piece = piece.slice(1);
    }
    const trailing = piece.endsWith(" ");
    if (trailing) piece = piece.slice(0, -1);
    if (piece !== "") {
      const spaced = pendingSpace ? ` ${piece}` : piece;
      if (table) {
        // Text between cells (a browser moves it before the table) is kept as a cell of its own.
        table.cell ??= "";
        if (table.cell.length < MAX_HELD_CHARS) table.cell += spaced;
      } else md.text(spaced);
      pendingSpace = false;
    }
    if (trailing) pendingSpace = true;
  };
  const closeCell = (table: Table) => {
    if (table.cell === undefined) return;
    table.builder?.cell(table.cell);
    for (let i = 1; i < table.span; i++) table.builder?.cell("");
    table.cell = undefined;
    table.span = 1;
  };
  const lineBreak = () => {
    const table = tables[0];
    if (table?.cell !== undefined) table.cell += "\n";
    else if (!table) md.text("\n");
    pendingSpace = false;
  };

  const parser = new BoundedParser(
    {
      onopentag(name, attributes) {
        if (name === "title") inTitle = true;
        if (skipped.has(name)) skipDepth += 1;
        if (skipDepth > 0) return;
        // An image's alt text is what a reader gets in its place (and what screen readers say).
        if (name === "img" && attributes.alt?.trim()) emit(` ${attributes.alt} `);
        const table = tables[0];
        if (name === "table") {
          if (!table) endBlock();
          tables.push({ builder: table ? undefined : md.table(), cell: undefined, span: 1 });
          if (table?.cell) table.cell += " ";
          return;
        }
        if (table) {
          if (tables.length > 1) {
            if ((name === "td" || name === "th") && table.cell) table.cell += " ";
            else if (name === "br") lineBreak();
            return;
          }
          if (name === "tr") {
            closeCell(table);
            table.builder?.startRow();
          } else if (name === "td" || name === "th") {
            closeCell(table);
            table.cell = "";
            pendingSpace = false;
            table.span = Math.min(64, Math.max(1, Number(attributes.colspan) || 1));
          } else if (name === "br" || name === "p" || name === "div" || name === "li") lineBreak();
          return;
        }
        if (pre) return;
        const level = /^h([1-6])$/.exec(name)?.[1];
        if (level) {
          endBlock();
          md.begin({ kind: "heading", level: Number(level) });
        } else if (name === "ul" || name === "ol") {
          endBlock();
          const start = Number(attributes.start);
          lists.push({ ordered: name === "ol", next: Number.isInteger(start) ? start : 1 });
        } else if (name === "li") {
          endBlock();
          listItemDepth += 1;
          const list = lists.at(-1);
          const number = list?.ordered ? list.next++ : undefined;
          md.begin({ kind: "listItem", depth: Math.max(0, lists.length - 1), number });
        } else if (listItemDepth > 0 && (name === "p" || containers.has(name))) {
          pendingSpace = true;
        } else if (name === "p") {
          endBlock();
          md.begin({ kind: "paragraph" });
        } else if (name === "blockquote") {
          endBlock();
          md.begin({ kind: "quote" });
        } else if (name === "pre") {
          endBlock();
          pre = { text: "", language: "" };
        } else if (name === "hr") md.rule();
        else if (name === "br") lineBreak();
        else if (containers.has(name)) endBlock();
      },
      onattribute(name, value) {
        // <pre><code class="language-ts">: the language names the fence.
        if (pre && !pre.language && name === "class") {
          pre.language = /(?:^|\s)(?:language|lang)-([\w+#-]{1,30})/.exec(value)?.[1] ?? "";
        }
      },
      ontext(text) {
        if (inTitle) {
          if (documentTitle.length < MAX_TITLE_CHARS) documentTitle += text.slice(0, MAX_TITLE_CHARS);
        } else if (skipDepth === 0) emit(text);
      },
      onclosetag(name) {
        if (name === "title") inTitle = false;
        if (skipped.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        const table = tables[0];
        if (name === "table") {
          const closed = tables.pop();
          if (closed?.builder) closeCell(closed);
          closed?.builder?.end();
          pendingSpace = false;
          return;
        }
        if (table) {
          if (tables.length > 1) return;
          if (name === "td" || name === "th") closeCell(table);
          else if (name === "tr") {
            closeCell(table);
            table.builder?.endRow();
          }
          return;
        }
        if (name === "pre" && pre) {
          md.codeBlock(pre.text, pre.language);
          pre = undefined;
        } else if (pre) return;
        else if (name === "ul" || name === "ol") {
          lists.pop();
          endBlock();
        } else if (name === "li") {
          listItemDepth = Math.max(0, listItemDepth - 1);
          endBlock();
        } else if (listItemDepth > 0 && (name === "p" || containers.has(name))) pendingSpace = true;
        else if (/^h[1-6]$/.test(name) || name === "p" || name === "blockquote" || containers.has(name)) {
          endBlock();
        }
      },
    },
    {},
    maxDepth,
  );

  for await (const piece of text) {
    parser.write(piece);
    await output.flushIfFull();
  }
  parser.end();
  for (const table of tables.reverse()) {
    if (table.builder) closeCell(table);
    table.builder?.end();
  }
  if (pre) md.codeBlock(pre.text, pre.language);
  md.end();
  const title = documentTitle.replace(/\s+/g, " ").trim();
  const metadata: Record<string, unknown> = title ? { title: title.slice(0, 500) } : {};
  if (parser.flattenedTags > 0) metadata.flattenedTags = parser.flattenedTags;
  return metadata;
}
