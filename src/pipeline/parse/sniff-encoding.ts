// How intake tells a text file's encoding from its bytes. The order follows WHATWG's HTML
// encoding sniffing (a byte-order mark, then a declaration in the markup) with the checks a
// browser makes on files that declare nothing: UTF-16 and UTF-32 by where their NULs sit, then
// UTF-8 if the bytes are UTF-8, else Windows-1252, the encoding of most non-UTF-8 Western text.

export type WideEncoding = "utf-16le" | "utf-16be" | "utf-32le" | "utf-32be";

/** The encoding a byte-order mark names, and the mark's length. */
export function byteOrderMark(head: Uint8Array): { encoding: string; length: number } | undefined {
  const [a, b, c, d] = head;
  if (a === 0xff && b === 0xfe && c === 0 && d === 0) return { encoding: "utf-32le", length: 4 };
  if (a === 0 && b === 0 && c === 0xfe && d === 0xff) return { encoding: "utf-32be", length: 4 };
  if (a === 0xef && b === 0xbb && c === 0xbf) return { encoding: "utf-8", length: 3 };
  if (a === 0xff && b === 0xfe) return { encoding: "utf-16le", length: 2 };
  if (a === 0xfe && b === 0xff) return { encoding: "utf-16be", length: 2 };
  return undefined;
}

/**
 * UTF-16 or UTF-32, by a byte-order mark or, without one, by its NULs. Text in any script below
 * U+10000 has NULs in the top byte of every UTF-32 unit, and Latin-script UTF-16 has a NUL as
 * the high byte of nearly every unit, so in the first 1 KiB some byte positions are (almost)
 * always 0 and the low byte's position almost never is. Text in an ASCII-compatible encoding
 * has no NULs at all. UTF-16 in CJK scripts has few NULs and is not recognized without a mark.
 */
export function wideTextEncoding(head: Uint8Array): WideEncoding | undefined {
  const mark = byteOrderMark(head)?.encoding;
  if (mark && mark !== "utf-8") return mark as WideEncoding;
  const bytes = head.subarray(0, 1024);
  const units = Math.floor(bytes.length / 4);
  if (units < 2) return undefined;
  const zeros = [0, 0, 0, 0];
  for (let i = 0; i < units * 4; i++) if (bytes[i] === 0) zeros[i % 4]! += 1;
  const most = (i: number) => zeros[i]! >= units * 0.9;
  const few = (i: number) => zeros[i]! <= units * 0.05;
  if (most(2) && most(3) && few(0)) return "utf-32le";
  if (most(0) && most(1) && few(3)) return "utf-32be";
  if (most(1) && most(3) && few(0) && few(2)) return "utf-16le";
  if (most(0) && most(2) && few(1) && few(3)) return "utf-16be";
  return undefined;
}

// HTML's prescan looks at the first 1024 bytes (WHATWG HTML §13.2.3.2).
const PRESCAN_BYTES = 1024;

/**
 * The encoding a markup document declares for itself, as a TextDecoder name: `<meta charset>`,
 * `<meta http-equiv="Content-Type" content="...; charset=...">` or an XML declaration's
 * `encoding`, within its first 1 KiB. Only a document that starts with `<` is looked at, so
 * that prose quoting a meta tag declares nothing. A declared UTF-16 means UTF-8, as in HTML:
 * bytes that could be read as ASCII to find the declaration are not UTF-16.
 */
export function declaredMarkupEncoding(head: Uint8Array): string | undefined {
  const text = String.fromCharCode(...head.subarray(0, PRESCAN_BYTES)).replace(/^\s+/, "");
  if (!text.startsWith("<")) return undefined;
  const xml = /^<\?xml\s[^>]*?encoding\s*=\s*["']([\w.:-]+)["']/.exec(text)?.[1];
  if (xml) return encodingForLabel(xml);
  for (const [tag] of text.matchAll(/<meta\s[^>]*>/gi)) {
    const label = /charset\s*=\s*["']?\s*([\w.:-]+)/i.exec(tag)?.[1];
    if (label) return encodingForLabel(label);
  }
  return undefined;
}

function encodingForLabel(label: string): string | undefined {
  let encoding: string;
  try {
    encoding = new TextDecoder(label).encoding;
  } catch {
    return undefined;
  }
  if (encoding.startsWith("utf-16")) return "utf-8";
  return encoding === "replacement" || encoding === "x-user-defined" ? undefined : encoding;
}

/**
 * Whether bytes that contain non-ASCII are UTF-8: complete multi-byte sequences must at least
 * match the invalid ones. Windows-1252 or Latin-1 text almost never forms a valid sequence (an
 * accented letter is one byte followed by ASCII), while a UTF-8 file with one damaged byte still
 * has its other accented letters, and is better read as UTF-8 with one U+FFFD. A sequence cut by
 * the window's end counts for neither, unless `final` says the window is the end of the file.
 */
export function looksLikeUtf8(bytes: Uint8Array, final: boolean): boolean {
  let valid = 0;
  let invalid = 0;
  for (let i = 0; i < bytes.length; ) {
    const lead = bytes[i]!;
    if (lead < 0x80) {
      i += 1;
      continue;
    }
    const length = sequenceLength(bytes, i);
    if (length > 0) {
      valid += 1;
      i += length;
    } else if (length === 0 && !final) break;
    else {
      invalid += 1;
      i += 1;
    }
  }
  return valid >= invalid;
}

// The length of the well-formed UTF-8 sequence at `i` (Unicode Table 3-7), 0 if the bytes end
// inside a sequence that could still be well-formed, -1 if it is ill-formed.
function sequenceLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  let length: number;
  let low = 0x80;
  let high = 0xbf;
  if (lead >= 0xc2 && lead <= 0xdf) length = 2;
  else if (lead >= 0xe0 && lead <= 0xef) {
    length = 3;
    if (lead === 0xe0) low = 0xa0;
    if (lead === 0xed) high = 0x9f;
  } else if (lead >= 0xf0 && lead <= 0xf4) {
    length = 4;
    if (lead === 0xf0) low = 0x90;
    if (lead === 0xf4) high = 0x8f;
  } else return -1;
  for (let k = 1; k < length; k++) {
    const byte = bytes[i + k];
    if (byte === undefined) return 0;
    if (byte < (k === 1 ? low : 0x80) || byte > (k === 1 ? high : 0xbf)) return -1;
  }
  return length;
}
