import { localName, type ZipPackage } from "./zip-package.js";

export interface ParagraphStyle {
  /** 1-6 for Title and Heading 1-6 (by name or outline level), else undefined. */
  headingLevel?: number;
  numId?: string;
  ilvl?: number;
}

/** numId → level → whether that level is numbered (true) or bulleted (false). */
export type Numbering = Map<string, Map<number, boolean>>;

/**
 * Paragraph styles by id, from word/styles.xml. Headings are recognized by the style's name
 * (`heading 1`, `Title`), which Word keeps in English even where the id is localized
 * (`berschrift1`), or by an outline level; `basedOn` chains are followed for both.
 */
export async function readParagraphStyles(
  pkg: ZipPackage,
  maxDepth: number,
): Promise<Map<string, ParagraphStyle>> {
  const raw = new Map<string, ParagraphStyle & { basedOn?: string }>();
  let current: (ParagraphStyle & { basedOn?: string }) | undefined;
  let inParagraphProps = false;
  await pkg.streamXml(
    "word/styles.xml",
    {
      onopentag(name, attributes) {
        const local = localName(name);
        const value = attributes["w:val"] ?? "";
        if (local === "style") {
          current = attributes["w:type"] === "paragraph" ? {} : undefined;
          if (current) raw.set(attributes["w:styleId"] ?? "", current);
        } else if (!current) return;
        else if (local === "name") current.headingLevel ??= headingLevelOfName(value);
        else if (local === "basedOn") current.basedOn = value;
        else if (local === "pPr") inParagraphProps = true;
        else if (inParagraphProps && local === "outlineLvl") current.headingLevel ??= outlineLevel(value);
        else if (inParagraphProps && local === "numId") current.numId = value;
        else if (inParagraphProps && local === "ilvl") current.ilvl = Number(value) || 0;
      },
      onclosetag(name) {
        const local = localName(name);
        if (local === "pPr") inParagraphProps = false;
        else if (local === "style") current = undefined;
      },
    },
    maxDepth,
  );
  const resolved = new Map<string, ParagraphStyle>();
  for (const [id, style] of raw) {
    const out: ParagraphStyle = {};
    // basedOn chains are short in practice; 10 steps also ends a cycle.
    let at: (ParagraphStyle & { basedOn?: string }) | undefined = style;
    for (let step = 0; at && step < 10; step++, at = at.basedOn ? raw.get(at.basedOn) : undefined) {
      out.headingLevel ??= at.headingLevel;
      out.numId ??= at.numId;
      out.ilvl ??= at.ilvl;
    }
    resolved.set(id, out);
  }
  return resolved;
}

/** Which list levels are numbered, from word/numbering.xml. */
export async function readNumbering(pkg: ZipPackage, maxDepth: number): Promise<Numbering> {
  const abstract = new Map<string, Map<number, boolean>>();
  const numToAbstract = new Map<string, string>();
  let abstractLevels: Map<number, boolean> | undefined;
  let level = 0;
  let numId: string | undefined;
  await pkg.streamXml(
    "word/numbering.xml",
    {
      onopentag(name, attributes) {
        const local = localName(name);
        if (local === "abstractNum") {
          abstractLevels = new Map();
          abstract.set(attributes["w:abstractNumId"] ?? "", abstractLevels);
        } else if (local === "lvl") level = Number(attributes["w:ilvl"]) || 0;
        else if (local === "numFmt" && abstractLevels) {
          const format = attributes["w:val"] ?? "";
          abstractLevels.set(level, format !== "bullet" && format !== "none");
        } else if (local === "num") numId = attributes["w:numId"];
        else if (local === "abstractNumId" && numId !== undefined) {
          numToAbstract.set(numId, attributes["w:val"] ?? "");
        }
      },
      onclosetag(name) {
        const local = localName(name);
        if (local === "abstractNum") abstractLevels = undefined;
        else if (local === "num") numId = undefined;
      },
    },
    maxDepth,
  );
  const numbering: Numbering = new Map();
  for (const [id, abstractId] of numToAbstract) {
    const levels = abstract.get(abstractId);
    if (levels) numbering.set(id, levels);
  }
  return numbering;
}

export function headingLevelOfName(name: string): number | undefined {
  if (/^title$/i.test(name)) return 1;
  const match = /^heading\s?([1-6])$/i.exec(name);
  return match?.[1] ? Number(match[1]) : undefined;
}

// w:outlineLvl 0-5 are heading levels 1-6; 9 is body text.
function outlineLevel(value: string): number | undefined {
  const level = Number(value);
  return Number.isInteger(level) && level >= 0 && level <= 5 ? level + 1 : undefined;
}
