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
  if (head[0] === 0xff && head[1] === 0xfe) return new TextDecoder("utf-16le", { ignoreBOM: true });
  if (head[0] === 0xfe && head[1] === 0xff) return new TextDecoder("utf-16be", { ignoreBOM: true });
  return new TextDecoder("utf-8", { ignoreBOM: true });
}

function concatBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
