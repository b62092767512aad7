import { Parser } from "htmlparser2";

// Elements of a flat ODF document whose text is not what a reader sees on the slide or page:
// comments, deleted text of tracked changes, a shape's alt text and title, and the base64 of
// embedded pictures and OLE previews (hundreds of "words" per picture).
const SKIPPED = new Set([
  "office:annotation",
  "text:tracked-changes",
  "svg:title",
  "svg:desc",
  "office:binary-data",
]);
const LINE_BREAKING = new Set(["text:p", "text:h", "text:line-break", "table:table-row", "draw:page"]);

/**
 * The visible text of a flat ODF document (.fodt/.fods/.fodp, as LibreOffice writes it): every
 * paragraph under `office:body`, speaker notes included, master pages and styles left out.
 *
 * @example
 * odfBodyText('<office:body><text:p>a<text:s text:c="2"/>b</text:p></office:body>') // "a  b\n"
 */
export function odfBodyText(xml: string): string {
  const parts: string[] = [];
  let inBody = 0;
  let skipping = 0;
  const parser = new Parser(
    {
      onopentag(name, attributes) {
        if (name === "office:body") inBody += 1;
        if (SKIPPED.has(name)) skipping += 1;
        if (inBody === 0 || skipping > 0) return;
        if (name === "text:s") parts.push(" ".repeat(Number(attributes["text:c"] ?? 1)));
        if (name === "text:tab" || name === "table:table-cell") parts.push("\t");
      },
      ontext(text) {
        // LibreOffice indents its flat XML; whitespace with a newline sits between elements only.
        if (inBody > 0 && skipping === 0 && !/^\s*\n\s*$/.test(text)) parts.push(text);
      },
      onclosetag(name) {
        if (inBody > 0 && skipping === 0 && LINE_BREAKING.has(name)) parts.push("\n");
        if (SKIPPED.has(name)) skipping -= 1;
        if (name === "office:body") inBody -= 1;
      },
    },
    { xmlMode: true },
  );
  parser.end(xml);
  return parts.join("");
}
