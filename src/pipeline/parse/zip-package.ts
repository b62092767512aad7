import type { Handler } from "htmlparser2";
import { PipelineError } from "../errors.js";
import { BoundedParser } from "./bounded-parser.js";
import { InflateBudget, inflateEntry } from "./inflate-entry.js";
import type { ParseLimits } from "./types.js";
import { readZipDirectory, type ZipEntry } from "./zip-directory.js";

// Parts that are read whole (relationships, workbook, styles, manifests) are small in real
// documents; a larger one is a crafted file, and reading it whole would hold it in memory.
export const SMALL_PART_MAX_BYTES = 8 * 1024 * 1024;

/**
 * One zip-based document (DOCX, XLSX, PPTX, ODF, EPUB): its directory and an inflate budget
 * shared by every part read from it, so that the zip-bomb checks of inflateEntry cover the
 * whole archive, not each part alone.
 */
export class ZipPackage {
  readonly entries: Map<string, ZipEntry>;
  readonly #budget: InflateBudget;

  constructor(
    readonly zip: Uint8Array,
    limits: Pick<ParseLimits, "docxMaxDecompressedBytes" | "docxMaxCompressionRatio">,
  ) {
    this.entries = readZipDirectory(zip);
    this.#budget = new InflateBudget(limits.docxMaxDecompressedBytes, limits.docxMaxCompressionRatio);
  }

  has(name: string): boolean {
    return this.entries.has(name);
  }

  /** A part's whole text (UTF-8), failing with `too_complex` past `maxBytes`; undefined when absent. */
  async readText(name: string, maxBytes = SMALL_PART_MAX_BYTES): Promise<string | undefined> {
    const bytes = await this.readBytes(name, maxBytes);
    return bytes && new TextDecoder().decode(bytes);
  }

  async readBytes(name: string, maxBytes = SMALL_PART_MAX_BYTES): Promise<Uint8Array | undefined> {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    const pieces: Uint8Array[] = [];
    let total = 0;
    await inflateEntry(
      this.zip,
      entry,
      this.#budget,
      (data) => {
        total += data.length;
        if (total > maxBytes) {
          throw new PipelineError("too_complex", `part ${name} is larger than ${maxBytes} bytes`);
        }
        pieces.push(data.slice());
      },
      async () => {},
    );
    return Buffer.concat(pieces);
  }

  /**
   * The part's first `maxBytes` inflated bytes as text; inflation stops once they are in, so a
   * part whose declared size lies costs no more than that.
   */
  async readPrefix(name: string, maxBytes: number): Promise<string | undefined> {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    const pieces: Uint8Array[] = [];
    let total = 0;
    // A PipelineError, so inflateEntry passes it through unchanged; it only marks "enough read".
    const full = new PipelineError("too_large", "prefix read");
    try {
      await inflateEntry(
        this.zip,
        entry,
        this.#budget,
        (data) => {
          if (total >= maxBytes) throw full;
          const piece = data.subarray(0, maxBytes - total);
          pieces.push(piece.slice());
          total += piece.length;
        },
        async () => {},
      );
    } catch (err) {
      if (err !== full) throw err;
    }
    return new TextDecoder().decode(Buffer.concat(pieces));
  }

  /**
   * Streams a part's XML through a depth-bounded SAX parser as it inflates, awaiting
   * `afterPiece` (typically the output's flush) between pieces. XML nested deeper than
   * `maxDepth` fails as `too_complex`: office formats keep their text in elements, and
   * flattening would silently drop it.
   */
  async streamXml(
    name: string,
    handler: Partial<Handler>,
    maxDepth: number,
    afterPiece: () => Promise<void> = async () => {},
  ): Promise<boolean> {
    const entry = this.entries.get(name);
    if (!entry) return false;
    const parser = new BoundedParser(handler, { xmlMode: true }, maxDepth, "fail");
    const decoder = new TextDecoder();
    await inflateEntry(
      this.zip,
      entry,
      this.#budget,
      (data) => parser.write(decoder.decode(data, { stream: true })),
      afterPiece,
    );
    parser.end(decoder.decode());
    return true;
  }
}

/** Resolves a relationship target against the folder of the part that refers to it. */
export function resolvePartPath(fromPart: string, target: string): string {
  if (target.startsWith("/")) return target.slice(1);
  const parts = fromPart.split("/").slice(0, -1);
  for (const piece of decodeURIComponentSafe(target).split("/")) {
    if (piece === "..") parts.pop();
    else if (piece !== "." && piece !== "") parts.push(piece);
  }
  return parts.join("/");
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Relationship id → target path, from an OOXML `.rels` part. */
export async function readRelationships(pkg: ZipPackage, part: string): Promise<Map<string, string>> {
  const slash = part.lastIndexOf("/");
  const relsName = `${part.slice(0, slash + 1)}_rels/${part.slice(slash + 1)}.rels`;
  const rels = new Map<string, string>();
  await pkg.streamXml(
    relsName,
    {
      onopentag(name, attributes) {
        if (localName(name) !== "Relationship" || attributes.TargetMode === "External") return;
        const { Id: id, Target: target } = attributes;
        if (id && target) rels.set(id, resolvePartPath(part, target));
      },
    },
    16,
  );
  return rels;
}

/** `w:p` → `p`: prefixes differ between writers, local names do not. */
export function localName(name: string): string {
  const colon = name.indexOf(":");
  return colon < 0 ? name : name.slice(colon + 1);
}

export function decodeXmlEntities(text: string): string {
  const named: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };
  return text.replace(/&(#x[0-9a-f]+|#\d+|amp|lt|gt|quot|apos);/gi, (entity, body: string) => {
    if (body[0] !== "#") return named[body.toLowerCase()] ?? entity;
    const code =
      body[1] === "x" || body[1] === "X" ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1));
    return Number.isFinite(code) && code <= 0x10ffff ? String.fromCodePoint(code) : entity;
  });
}

/** Dublin Core title of a package's metadata part (docProps/core.xml, meta.xml), if any. */
export async function readDublinCoreTitle(pkg: ZipPackage, part: string): Promise<string | undefined> {
  // A few short fields; a larger part is not worth reading past this.
  const xml = await pkg.readPrefix(part, 64 * 1024);
  const title = xml && /<dc:title(?:\s[^>]*)?>([^<]*)<\/dc:title>/.exec(xml)?.[1]?.trim();
  return title ? decodeXmlEntities(title).slice(0, 500) : undefined;
}
