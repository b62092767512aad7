import { PipelineError } from "../errors.js";
import type { DocumentOutput } from "./document-output.js";
import { parseHtml } from "./html.js";
import type { ParseLimits } from "./types.js";
import {
  decodeXmlEntities,
  localName,
  resolvePartPath,
  SMALL_PART_MAX_BYTES,
  ZipPackage,
} from "./zip-package.js";

// A chapter is read whole before it is converted; real chapters are well under a megabyte.
const CHAPTER_MAX_BYTES = 4 * SMALL_PART_MAX_BYTES;

/**
 * Converts an EPUB (2 or 3) to Markdown: the package document named by
 * META-INF/container.xml gives the spine, and each spine item (XHTML) is converted like HTML, in
 * spine order. Items outside the spine (navigation, cover images) are not read; at most
 * `maxParts` chapters are.
 */
export async function parseEpub(
  zip: Uint8Array,
  output: DocumentOutput,
  limits: ParseLimits,
): Promise<Record<string, unknown>> {
  const pkg = new ZipPackage(zip, limits);
  let opfPath: string | undefined;
  await pkg.streamXml(
    "META-INF/container.xml",
    {
      onopentag(name, attributes) {
        if (localName(name) === "rootfile" && !opfPath) opfPath = attributes["full-path"];
      },
    },
    limits.maxNestingDepth,
  );
  if (!opfPath || !pkg.has(opfPath)) throw new PipelineError("corrupt_file", "EPUB has no package document");

  const manifest = new Map<string, { href: string; mediaType: string }>();
  const spine: string[] = [];
  let title = "";
  let inTitle = false;
  await pkg.streamXml(
    opfPath,
    {
      onopentag(name, attributes) {
        const local = localName(name);
        if (local === "item" && attributes.id && attributes.href) {
          manifest.set(attributes.id, {
            href: resolvePartPath(opfPath ?? "", attributes.href),
            mediaType: attributes["media-type"] ?? "",
          });
        } else if (local === "itemref" && attributes.idref && attributes.linear !== "no")
          spine.push(attributes.idref);
        else if (name === "dc:title" && !title) inTitle = true;
      },
      ontext(text) {
        if (inTitle && title.length < 500) title += text;
      },
      onclosetag(name) {
        if (name === "dc:title") inTitle = false;
      },
    },
    limits.maxNestingDepth,
  );

  let chapters = 0;
  for (const id of spine.slice(0, limits.maxParts)) {
    const item = manifest.get(id);
    if (!item || !/html|xml/.test(item.mediaType)) continue;
    const html = await pkg.readText(item.href, CHAPTER_MAX_BYTES);
    if (html === undefined) continue;
    await parseHtml(once(html), output, limits.maxNestingDepth);
    chapters += 1;
  }
  const metadata: Record<string, unknown> = { chapters };
  if (title.trim()) metadata.title = decodeXmlEntities(title.trim());
  if (spine.length > limits.maxParts) metadata.chaptersSkipped = spine.length - limits.maxParts;
  return metadata;
}

async function* once(text: string): AsyncGenerator<string> {
  yield text;
}
