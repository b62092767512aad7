/**
 * Writes a minimal PDF 1.4 by hand: one Helvetica text line per page, a correct xref table and,
 * with `encrypted`, a Standard security handler whose user password is not empty, so a reader
 * cannot open it without a password.
 */
export function buildPdf(
  pageTexts: string[],
  options: { encrypted?: boolean; rawStreams?: boolean; info?: string } = {},
): Uint8Array {
  const objects: string[] = [];
  const pageIds = pageTexts.map((_, i) => 3 + i * 2);
  const fontId = 3 + pageTexts.length * 2;
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[2] = `<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(" ")}] /Count ${pageTexts.length} >>`;
  pageTexts.forEach((text, i) => {
    const pageId = 3 + i * 2;
    const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
    // rawStreams: each "text" is the page's content stream itself (operators and all).
    const stream = options.rawStreams ? text : `BT /F1 18 Tf 72 720 Td (${escaped}) Tj ET`;
    objects[pageId] =
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${pageId + 1} 0 R >>`;
    objects[pageId + 1] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
  });
  objects[fontId] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
  const encryptId = fontId + 1;
  const infoId = fontId + 2;
  if (options.encrypted) {
    const filler = "A1".repeat(32);
    objects[encryptId] = `<< /Filter /Standard /V 1 /R 2 /O <${filler}> /U <${filler}> /P -4 >>`;
  }

  // info: the Info dictionary's body, e.g. "/Title <FEFFD800>".
  if (options.info) objects[infoId] = `<< ${options.info} >>`;
  const encrypt = options.encrypted
    ? ` /Encrypt ${encryptId} 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]`
    : "";
  const info = options.info ? ` /Info ${infoId} 0 R` : "";
  return serializePdf(objects, `${encrypt}${info}`);
}

/** A page tree: a string is a page with that text, an array a /Pages node with those kids. */
export type PageTreeNode = string | PageTreeNode[];

/**
 * A PDF whose /Pages tree has exactly the given shape (nested nodes, empty nodes), each node's
 * /Count true, one text line per page; for testing page lookup beyond the flat tree of buildPdf.
 */
export function buildPdfWithPageTree(root: PageTreeNode[]): Uint8Array {
  const objects: string[] = [];
  objects[1] = "<< /Type /Catalog /Pages 2 0 R >>";
  objects[2] = "";
  const fontId = 3;
  objects[fontId] = "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>";
  const pageCount = (node: PageTreeNode): number =>
    typeof node === "string" ? 1 : node.reduce((n, kid) => n + pageCount(kid), 0);
  const add = (node: PageTreeNode, parent: number, id = objects.length): number => {
    objects[id] = "";
    if (typeof node === "string") {
      const stream = `BT /F1 18 Tf 72 720 Td (${node.replace(/[\\()]/g, (c) => `\\${c}`)}) Tj ET`;
      const contents = objects.length;
      objects[contents] = `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`;
      objects[id] =
        `<< /Type /Page /Parent ${parent} 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${contents} 0 R >>`;
      return id;
    }
    const kids = node.map((kid) => add(kid, id));
    const parentEntry = id === 2 ? "" : ` /Parent ${parent} 0 R`;
    objects[id] =
      `<< /Type /Pages${parentEntry} /Kids [${kids.map((k) => `${k} 0 R`).join(" ")}] /Count ${pageCount(node)} >>`;
    return id;
  };
  add(root, 0, 2);
  return serializePdf(objects);
}

/** Objects 1..n (1 is the catalog) with a correct xref table; `trailer` adds trailer entries. */
export function serializePdf(objects: string[], trailer = ""): Uint8Array {
  let body = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = body.length;
    body += `${id} 0 obj\n${objects[id] ?? "null"}\nendobj\n`;
  }
  const xrefOffset = body.length;
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) body += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R${trailer} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Uint8Array.from(body, (c) => c.charCodeAt(0));
}

/**
 * A one-page PDF whose text is any Unicode: a Type0 font with Identity-H encoding and a
 * ToUnicode CMap that maps each 2-byte code to the character it stands for (no glyphs are
 * embedded; text extraction needs only the CMap). Each line is a list of runs drawn left to
 * right as separate text objects, as writers of right-to-left PDFs store them: in visual order.
 */
export function buildUnicodePdf(lines: string[][]): Uint8Array {
  const chars = [...new Set(lines.flat().join(""))];
  const code = (c: string) => (chars.indexOf(c) + 1).toString(16).padStart(4, "0");
  const content = lines
    .flatMap((runs, row) => {
      let x = 72;
      return runs.map((run) => {
        const op = `BT /F1 12 Tf ${x} ${720 - row * 20} Td <${[...run].map(code).join("")}> Tj ET`;
        x += [...run].length * 7 + 7;
        return op;
      });
    })
    .join("\n");
  const cmap = [
    "/CIDInit /ProcSet findresource begin 12 dict begin begincmap /CMapName /U def",
    "1 begincodespacerange <0000> <FFFF> endcodespacerange",
    `${chars.length} beginbfchar`,
    ...chars.map((c) => `<${code(c)}> <${utf16Hex(c)}>`),
    "endbfchar endcmap CMapName currentdict /CMap defineresource pop end end",
  ].join("\n");
  const objects = [
    "",
    "<< /Type /Catalog /Pages 2 0 R >>",
    "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
    "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>",
    `<< /Length ${content.length} >>\nstream\n${content}\nendstream`,
    "<< /Type /Font /Subtype /Type0 /BaseFont /NoGlyphs /Encoding /Identity-H /DescendantFonts [6 0 R] /ToUnicode 7 0 R >>",
    "<< /Type /Font /Subtype /CIDFontType2 /BaseFont /NoGlyphs /CIDSystemInfo << /Registry (Adobe) /Ordering (Identity) /Supplement 0 >> /FontDescriptor << /Type /FontDescriptor /FontName /NoGlyphs /Flags 4 /FontBBox [0 -200 1000 800] /ItalicAngle 0 /Ascent 800 /Descent -200 /CapHeight 700 /StemV 80 >> /DW 600 >>",
    `<< /Length ${cmap.length} >>\nstream\n${cmap}\nendstream`,
  ];
  return serializePdf(objects);
}

function utf16Hex(c: string): string {
  return [...c]
    .map((ch) => {
      const cp = ch.codePointAt(0) ?? 0;
      return cp.toString(16).padStart(4, "0");
    })
    .join("");
}
