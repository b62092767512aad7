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
  let body = "%PDF-1.4\n%\u00e2\u00e3\u00cf\u00d3\n";
  const offsets: number[] = [];
  for (let id = 1; id < objects.length; id++) {
    offsets[id] = body.length;
    body += `${id} 0 obj\n${objects[id] ?? "null"}\nendobj\n`;
  }
  const xrefOffset = body.length;
  body += `xref\n0 ${objects.length}\n0000000000 65535 f \n`;
  for (let id = 1; id < objects.length; id++) body += `${String(offsets[id]).padStart(10, "0")} 00000 n \n`;
  const encrypt = options.encrypted
    ? ` /Encrypt ${encryptId} 0 R /ID [<0123456789abcdef0123456789abcdef> <0123456789abcdef0123456789abcdef>]`
    : "";
  const info = options.info ? ` /Info ${infoId} 0 R` : "";
  body += `trailer\n<< /Size ${objects.length} /Root 1 0 R${encrypt}${info} >>\nstartxref\n${xrefOffset}\n%%EOF\n`;
  return Uint8Array.from(body, (c) => c.charCodeAt(0));
}
