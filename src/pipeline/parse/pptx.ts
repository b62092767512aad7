import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { MarkdownWriter } from "./markdown-writer.js";
import type { ParseLimits } from "./types.js";
import { localName, readDublinCoreTitle, readRelationships, ZipPackage } from "./zip-package.js";

type SlideBlock =
  | { kind: "title"; text: string }
  | { kind: "paragraph"; text: string; bullet: boolean; level: number }
  | { kind: "table"; rows: string[][] };

// A slide's blocks are held until the slide ends (the title goes first, wherever it is drawn);
// past this many characters the rest of a pathological slide is left out.
const MAX_SLIDE_CHARS = 4 * 1024 * 1024;
const titleTypes = new Set(["title", "ctrTitle"]);
// Placeholders for what repeats on every slide. A slide number (and a notes page's slide image)
// says nothing about the slide; in a date, footer or header the automatic field (today's date)
// is left out too, but text an author typed is kept, as PowerPoint and LibreOffice show it.
const numberTypes = new Set(["sldNum", "sldImg"]);
const boilerplateTypes = new Set(["dt", "ftr", "hdr"]);

/**
 * Converts a PPTX presentation to Markdown: slides in presentation order, separated by rules,
 * each with its title as a `##` heading, then its text frames (grouped shapes included, in
 * drawing order), bullets as list items, tables as GFM tables, and its speaker notes under
 * `### Notes`. Slides past `maxParts` are left out and the metadata says so.
 */
export async function parsePptx(
  zip: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const pkg = new ZipPackage(zip, limits);
  const rels = await readRelationships(pkg, "ppt/presentation.xml");
  const slides: string[] = [];
  const found = await pkg.streamXml(
    "ppt/presentation.xml",
    {
      onopentag(name, attributes) {
        if (localName(name) !== "sldId") return;
        const part = rels.get(attributes["r:id"] ?? "");
        if (part) slides.push(part);
      },
    },
    limits.maxNestingDepth,
  );
  if (!found) throw new PipelineError("corrupt_file", "PPTX has no ppt/presentation.xml");
  const metadata: Record<string, unknown> = { slides: slides.length };
  const title = await readDublinCoreTitle(pkg, "docProps/core.xml");
  if (title) metadata.title = title;

  const md = new MarkdownWriter(output);
  for (const [index, part] of slides.slice(0, limits.maxParts).entries()) {
    const blocks = await readSlideBlocks(pkg, part, limits.maxNestingDepth, false);
    if (index > 0) md.rule();
    writeBlocks(md, blocks, 2);
    const slideRels = await readRelationships(pkg, part);
    const notesPart = [...slideRels.values()].find((target) => /notesSlides\/[^/]+\.xml$/.test(target));
    const notes = notesPart ? await readSlideBlocks(pkg, notesPart, limits.maxNestingDepth, true) : [];
    if (notes.length > 0) {
      md.heading(3, "Notes");
      writeBlocks(md, notes, 3);
    }
    await output.flushIfFull();
  }
  if (slides.length > limits.maxParts) metadata.slidesSkipped = slides.length - limits.maxParts;
  md.end();
  return metadata;
}

function writeBlocks(md: MarkdownWriter, blocks: SlideBlock[], titleLevel: number): void {
  const titles = blocks.filter((block) => block.kind === "title");
  for (const block of [...titles, ...blocks.filter((b) => b.kind !== "title")]) {
    if (block.kind === "title") md.heading(titleLevel, block.text);
    else if (block.kind === "table") {
      const table = md.table();
      for (const row of block.rows) {
        table.startRow();
        for (const cell of row) table.cell(cell);
      }
      table.end();
    } else if (block.bullet) md.listItem(block.level, block.text);
    else md.paragraph(block.text);
  }
}

/** The text blocks of one slide (or notes slide, whose body placeholder alone is read). */
async function readSlideBlocks(
  pkg: ZipPackage,
  part: string,
  maxDepth: number,
  notes: boolean,
): Promise<SlideBlock[]> {
  const blocks: SlideBlock[] = [];
  let chars = 0;
  // Per shape: its placeholder type ("" for a body placeholder, undefined for a plain text box).
  let placeholder: string | undefined;
  let paragraph: { text: string; bullet: boolean | undefined; level: number } | undefined;
  let table: string[][] | undefined;
  let cell: string | undefined;
  let inText = false;
  let inField = false;

  // A notes page keeps only its body.
  const keepShape = () =>
    notes ? placeholder === "body" || placeholder === "" : !numberTypes.has(placeholder ?? "");
  await pkg.streamXml(
    part,
    {
      onopentag(name, attributes) {
        const local = localName(name);
        if (local === "sp") placeholder = undefined;
        else if (local === "ph") placeholder = attributes.type ?? "";
        else if (local === "tbl") table = [];
        else if (local === "tr" && table) table.push([]);
        else if (local === "tc" && table) cell = "";
        else if (local === "p" && name.startsWith("a:")) {
          paragraph = { text: "", bullet: undefined, level: Number(attributes.lvl) || 0 };
        } else if (local === "pPr" && paragraph) paragraph.level = Number(attributes.lvl) || 0;
        else if ((local === "buChar" || local === "buAutoNum") && paragraph) paragraph.bullet = true;
        else if (local === "buNone" && paragraph) paragraph.bullet = false;
        else if (local === "t" && name.startsWith("a:")) inText = true;
        else if (local === "fld" && name.startsWith("a:")) inField = true;
        else if (local === "br" && paragraph) paragraph.text += "\n";
      },
      ontext(text) {
        if (!inText || !paragraph || chars > MAX_SLIDE_CHARS) return;
        if (inField && boilerplateTypes.has(placeholder ?? "")) return;
        paragraph.text += text;
        chars += text.length;
      },
      onclosetag(name) {
        const local = localName(name);
        if (local === "t") inText = false;
        else if (local === "fld" && name.startsWith("a:")) inField = false;
        else if (local === "p" && name.startsWith("a:") && paragraph) {
          const text = paragraph.text.trim();
          if (cell !== undefined) cell += cell ? `\n${text}` : text;
          else if (text && keepShape()) {
            if (titleTypes.has(placeholder ?? "")) {
              const last = blocks.at(-1);
              if (last?.kind === "title") last.text += ` ${text}`;
              else blocks.push({ kind: "title", text });
            } else {
              // Body placeholders are bulleted unless a paragraph says otherwise; text boxes are not.
              const bullet = paragraph.bullet ?? (placeholder === "" || placeholder === "body");
              blocks.push({ kind: "paragraph", text, bullet: bullet && !notes, level: paragraph.level });
            }
          }
          paragraph = undefined;
        } else if (local === "tc" && table && cell !== undefined) {
          table.at(-1)?.push(cell);
          cell = undefined;
        } else if (local === "tbl" && table) {
          blocks.push({ kind: "table", rows: table });
          table = undefined;
        } else if (local === "sp") placeholder = undefined;
      },
    },
    maxDepth,
  );
  return blocks;
}
