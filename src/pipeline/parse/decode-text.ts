// Decoding at most this many bytes at a time keeps each yielded string bounded even when the
// source hands over one huge buffer.
const DECODE_PIECE_BYTES = 64 * 1024;

/**
 * Decodes a byte stream to text incrementally: UTF-8 unless a UTF-16 byte-order mark says
 * otherwise, invalid sequences become U+FFFD, a leading BOM is dropped and CRLF or lone CR become
 * LF. Yields strings of at most 64 Ki characters.
 */
export async function* decodeTextStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  let decoder: TextDecoder | undefined;
  let pendingCR = false;
  let bomChecked = false;

  const normalize = (text: string, final: boolean): string => {
    let out = pendingCR ? `\r${text}` : text;
    pendingCR = !final && out.endsWith("\r");
    if (pendingCR) out = out.slice(0, -1);
    return out.includes("\r") ? out.replace(/\r\n?/g, "\n") : out;
  };

  let head: Uint8Array = new Uint8Array(0);
  for await (const chunk of source) {
    let bytes = chunk;
    if (!decoder) {
      // Two bytes are needed to see a UTF-16 mark; the first chunk may be shorter.
      head = concatBytes(head, bytes);
      if (head.length < 3) continue;
      decoder = createDecoder(head);
      bytes = head;
    }
    for (let i = 0; i < bytes.length; i += DECODE_PIECE_BYTES) {
      let text = decoder.decode(bytes.subarray(i, i + DECODE_PIECE_BYTES), { stream: true });
      if (!bomChecked && text.length > 0) {
        bomChecked = true;
        if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      }
      const out = normalize(text, false);
      if (out) yield out;
    }
  }
  let tail = decoder ? decoder.decode() : createDecoder(head).decode(head);
  if (!bomChecked && tail.charCodeAt(0) === 0xfeff) tail = tail.slice(1);
  const out = normalize(tail, true);
  if (out) yield out;
}

// ignoreBOM keeps the mark in the output, where it is stripped exactly once.
function createDecoder(head: Uint8Array): TextDecoder {
  return new TextDecoder(utf16Encoding(head) ?? "utf-8", { ignoreBOM: true });
}

/**
 * UTF-16 by its byte-order mark, or without one by its NULs: text in Latin script has a NUL
 * as the high byte of nearly every character, so one byte position of each pair is almost
 * always 0 and the other almost never (some tools write UTF-16 files without a mark).
 */
export function utf16Encoding(head: Uint8Array): "utf-16le" | "utf-16be" | undefined {
  if (head[0] === 0xff && head[1] === 0xfe) return "utf-16le";
  if (head[0] === 0xfe && head[1] === 0xff) return "utf-16be";
  const pairs = Math.min(256, Math.floor(head.length / 2));
  if (pairs < 4) return undefined;
  let evenZero = 0;
  let oddZero = 0;
  for (let i = 0; i < pairs; i++) {
    if (head[2 * i] === 0) evenZero += 1;
    if (head[2 * i + 1] === 0) oddZero += 1;
  }
  if (oddZero >= pairs * 0.9 && evenZero <= pairs * 0.05) return "utf-16le";
  if (evenZero >= pairs * 0.9 && oddZero <= pairs * 0.05) return "utf-16be";
  return undefined;
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
