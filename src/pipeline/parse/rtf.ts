import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { headingLevelOfName } from "./docx-styles.js";
import type { TableBuilder } from "./markdown-table.js";
import { MarkdownWriter } from "./markdown-writer.js";
import { RtfTokenizer } from "./rtf-tokens.js";
import type { ParseLimits } from "./types.js";

// Destinations whose text is not the document's body.
const skippedDestinations = new Set([
  "fonttbl",
  "colortbl",
  "info",
  "pict",
  "header",
  "headerl",
  "headerr",
  "headerf",
  "footer",
  "footerl",
  "footerr",
  "footerf",
  "footnote",
  "fldinst",
  "themedata",
  "colorschememapping",
  "latentstyles",
  "datastore",
  "xmlnstbl",
  "listtable",
  "listoverridetable",
  "rsidtbl",
  "generator",
  "pntext",
  "pntxta",
  "pntxtb",
  "nonshppict",
  "object",
  "objdata",
  "bkmkstart",
  "bkmkend",
  "revtbl",
  "filetbl",
  "annotation",
  "atnid",
  "atnauthor",
  "mmathPr",
  "pgdsctbl",
  "wgrffmtfilter",
  "fchars",
  "lchars",
]);
const symbols: Record<string, string> = {
  emdash: "\u2014",
  endash: "\u2013",
  bullet: "\u2022",
  lquote: "\u2018",
  rquote: "\u2019",
  ldblquote: "\u201c",
  rdblquote: "\u201d",
  "~": "\u00a0",
  _: "\u2011",
  tab: "\t",
  line: "\n",
};
const MAX_PARAGRAPH_CHARS = 1024 * 1024;

interface Group {
  skip: boolean;
  unicodeSkip: number;
  destination?: "stylesheet" | "listtext";
}

/**
 * Converts RTF to Markdown as it streams: paragraphs, headings (by outline level or a style
 * named "heading N"), list paragraphs (\ls, with the list text's number when it has one) and
 * tables (\trowd ... \cell ... \row) as GFM tables. Text is decoded from \'hh bytes in the
 * document's ANSI code page and from \uN escapes; fonts, pictures, headers, footers, field
 * instructions and other non-body destinations are skipped. Groups nested deeper than
 * `maxNestingDepth` fail as `too_complex`.
 */
export async function parseRtf(
  source: AsyncIterable<Uint8Array>,
  output: DocumentOutput,
  limits: Pick<ParseLimits, "maxNestingDepth">,
): Promise<Record<string, unknown>> {
  const md = new MarkdownWriter(output);
  const tokenizer = new RtfTokenizer();
  const stack: Group[] = [];
  let group: Group = { skip: false, unicodeSkip: 1 };
  let decoder = new TextDecoder("windows-1252");
  let bytes: number[] = [];
  let paragraph = "";
  let pendingSkip = 0;
  let outline: number | undefined;
  let style: number | undefined;
  let listItem = false;
  let listText = "";
  let inTable = false;
  let table: TableBuilder | undefined;
  let cell = "";
  const styleNames = new Map<number, string>();
  let styleText = "";
  let styleNumber: number | undefined;

  const flushBytes = () => {
    if (bytes.length === 0) return;
    addText(decoder.decode(Uint8Array.from(bytes)));
    bytes = [];
  };
  const addText = (text: string) => {
    if (group.destination === "stylesheet") styleText += text;
    else if (group.destination === "listtext") listText += text;
    else if (!group.skip && paragraph.length < MAX_PARAGRAPH_CHARS) paragraph += text;
  };
  const endParagraph = () => {
    flushBytes();
    const text = paragraph.trim();
    const marker = listText;
    paragraph = "";
    listText = "";
    if (inTable) {
      cell += cell ? `\n${text}` : text;
      return;
    }
    if (table) {
      table.end();
      table = undefined;
    }
    if (!text) return;
    const level = outline ?? headingLevelOfName(styleNames.get(style ?? -1) ?? "");
    if (level !== undefined) md.heading(level, text);
    else if (listItem) {
      const number = /^\s*(\d+)[.)]/.exec(marker)?.[1];
      md.listItem(0, text, number === undefined ? undefined : Number(number));
    } else md.paragraph(text);
  };

  const handleWord = (word: string, param: number | undefined) => {
    if (pendingSkip > 0 && word !== "u") {
      pendingSkip -= 1;
      return;
    }
    if (word === "*" || skippedDestinations.has(word)) {
      if (word !== "*" || !group.destination) group.skip = true;
      return;
    }
    if (word === "stylesheet") group.destination = "stylesheet";
    else if (word === "listtext") group.destination = "listtext";
    else if (word === "ansicpg" && param !== undefined) {
      try {
        decoder = new TextDecoder(`windows-${param}`);
      } catch {
        // An unknown code page keeps windows-1252.
      }
    } else if (word === "u" && param !== undefined) {
      flushBytes();
      addText(String.fromCharCode(param < 0 ? param + 65536 : param));
      pendingSkip = group.unicodeSkip;
      return;
    } else if (word === "uc") group.unicodeSkip = Math.min(10, Math.max(0, param ?? 1));
    else if (word === "s" && group.destination === "stylesheet") styleNumber = param;
    else if (word === "s") style = param;
    else if (word === "outlinelevel")
      outline = param !== undefined && param >= 0 && param <= 5 ? param + 1 : undefined;
    else if (word === "pard") {
      outline = undefined;
      style = undefined;
      listItem = false;
      inTable = false;
    } else if (word === "ls") listItem = true;
    else if (word === "intbl") {
      inTable = true;
      table ??= md.table();
    } else if (word === "par" || word === "sect" || word === "page") endParagraph();
    else if (word === "cell" || word === "nestcell") {
      endParagraph();
      table?.cell(cell);
      cell = "";
    } else if (word === "row") {
      table?.endRow();
      inTable = false;
    } else if (symbols[word] !== undefined) {
      flushBytes();
      addText(symbols[word]);
    }
    pendingSkip = 0;
  };

  for await (const chunk of source) {
    for (const token of tokenizer.push(Buffer.from(chunk).toString("latin1"))) handleToken(token);
    await output.flushIfFull();
  }
  for (const token of tokenizer.push("", true)) handleToken(token);
  endParagraph();
  if (table) (table as TableBuilder).end();
  md.end();
  return {};

  function handleToken(token: ReturnType<RtfTokenizer["push"]> extends Generator<infer T> ? T : never): void {
    if (token.type !== "byte" && token.type !== "text") flushBytes();
    switch (token.type) {
      case "open":
        if (stack.length >= limits.maxNestingDepth) {
          throw new PipelineError(
            "too_complex",
            `RTF groups are nested more than ${limits.maxNestingDepth} deep`,
          );
        }
        stack.push(group);
        group = { ...group };
        break;
      case "close":
        if (
          group.destination === "stylesheet" &&
          styleNumber !== undefined &&
          stack.at(-1)?.destination === "stylesheet"
        ) {
          styleNames.set(styleNumber, styleText.replace(/;\s*$/, "").trim());
        }
        if (group.destination === "stylesheet") {
          styleText = "";
          styleNumber = undefined;
        }
        group = stack.pop() ?? { skip: false, unicodeSkip: 1 };
        pendingSkip = 0;
        break;
      case "word":
        handleWord(token.word, token.param);
        break;
      case "byte":
        if (pendingSkip > 0) pendingSkip -= 1;
        else bytes.push(token.value);
        break;
      case "text": {
        let text = token.text;
        if (pendingSkip > 0) {
          const skip = Math.min(pendingSkip, text.length);
          text = text.slice(skip);
          pendingSkip -= skip;
        }
        flushBytes();
        addText(text);
        break;
      }
    }
  }
}
