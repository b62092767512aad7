// Decodes a text file for the references, independently of intake's own decoder
// (src/pipeline/parse/decode-text.ts): a byte-order mark decides, then strict UTF-8, then
// Windows-1252, which is what the corpus's non-UTF-8 files (cp1252, Latin-1) are written in.
// UTF-16 without a BOM is valid UTF-8 (ASCII with NULs between), so NULs are looked at first.

/**
 * Decodes `bytes` by BOM (UTF-8, UTF-16, UTF-32), else as UTF-8 if valid, else (with
 * `markupCharset`) in the charset an HTML or XML file declares in its first 1 KiB, else as
 * Windows-1252.
 */
export function decodeBytes(bytes: Uint8Array, options: { markupCharset?: boolean } = {}): string {
  const b = bytes;
  if (b[0] === 0xff && b[1] === 0xfe && b[2] === 0 && b[3] === 0) return decodeUtf32(b.subarray(4), true);
  if (b[0] === 0 && b[1] === 0 && b[2] === 0xfe && b[3] === 0xff) return decodeUtf32(b.subarray(4), false);
  if (b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf) return new TextDecoder("utf-8").decode(b.subarray(3));
  if (b[0] === 0xff && b[1] === 0xfe) return new TextDecoder("utf-16le").decode(b.subarray(2));
  if (b[0] === 0xfe && b[1] === 0xff) return new TextDecoder("utf-16be").decode(b.subarray(2));
  const wide = wideEncoding(b.subarray(0, 4096));
  if (wide === "utf-32le" || wide === "utf-32be") return decodeUtf32(b, wide === "utf-32le");
  if (wide) return new TextDecoder(wide).decode(b);
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(b);
  } catch {
    const declared = options.markupCharset ? declaredCharset(b) : undefined;
    return declared ? declared.decode(b) : decodeWindows1252(b);
  }
}

// A legacy page (Cyrillic, Shift_JIS) says its charset in <meta> or the XML declaration; read as
// Windows-1252 it would be a reference of mojibake. Node's "windows-1252" is Latin-1 (below),
// so that label and its aliases are left to decodeWindows1252.
function declaredCharset(bytes: Uint8Array): TextDecoder | undefined {
  const head = new TextDecoder("latin1").decode(bytes.subarray(0, 1024));
  const label =
    /<\?xml[^>]*encoding\s*=\s*["']([\w.:-]+)/i.exec(head)?.[1] ??
    /<meta[^>]*charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(head)?.[1];
  if (!label) return undefined;
  try {
    const decoder = new TextDecoder(label);
    return decoder.encoding === "windows-1252" || decoder.encoding.startsWith("utf") ? undefined : decoder;
  } catch {
    return undefined;
  }
}

// Node's TextDecoder("windows-1252") decodes 0x80-0x9F as C1 controls (ISO-8859-1), not as the
// euro sign, curly quotes and dashes that Windows-1252 puts there; undefined bytes stay as they are.
const CP1252_HIGH =
  "\u20ac\u0081\u201a\u0192\u201e\u2026\u2020\u2021\u02c6\u2030\u0160\u2039\u0152\u008d\u017d\u008f" +
  "\u0090\u2018\u2019\u201c\u201d\u2022\u2013\u2014\u02dc\u2122\u0161\u203a\u0153\u009d\u017e\u0178";

function decodeWindows1252(bytes: Uint8Array): string {
  let text = "";
  for (const byte of bytes) {
    text += byte >= 0x80 && byte < 0xa0 ? CP1252_HIGH[byte - 0x80] : String.fromCharCode(byte);
  }
  return text;
}

// Text has no NULs, so a quarter of them means UTF-16 or UTF-32; where they sit says which.
function wideEncoding(head: Uint8Array): "utf-16le" | "utf-16be" | "utf-32le" | "utf-32be" | undefined {
  const zeros = [0, 0, 0, 0];
  for (let i = 0; i < head.length; i++) if (head[i] === 0) zeros[i % 4]! += 1;
  const quarter = head.length / 4;
  if (zeros.reduce((a, z) => a + z, 0) < quarter) return undefined;
  const full = (i: number) => zeros[i]! > quarter * 0.9;
  if (full(1) && full(2) && full(3)) return "utf-32le";
  if (full(0) && full(1) && full(2)) return "utf-32be";
  return zeros[1]! + zeros[3]! > zeros[0]! + zeros[2]! ? "utf-16le" : "utf-16be";
}

// TextDecoder has no UTF-32; the corpus has one UTF-32 file with a BOM.
function decodeUtf32(bytes: Uint8Array, littleEndian: boolean): string {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const points: number[] = [];
  for (let i = 0; i + 4 <= bytes.length; i += 4) {
    const point = view.getUint32(i, littleEndian);
    points.push(point <= 0x10ffff ? point : 0xfffd);
  }
  let text = "";
  for (let i = 0; i < points.length; i += 8192) text += String.fromCodePoint(...points.slice(i, i + 8192));
  return text;
}
