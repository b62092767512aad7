import { type ChunkDecoder, createChunkDecoder } from "./chunk-decoders.js";
import { byteOrderMark, declaredMarkupEncoding, looksLikeUtf8, wideTextEncoding } from "./sniff-encoding.js";

// Decoding at most this many bytes at a time keeps each yielded string bounded even when the
// source hands over one huge buffer.
const DECODE_PIECE_BYTES = 64 * 1024;
// The encoding is decided on the first 1 KiB (byte-order mark, NUL pattern, markup declaration)
// and, for ASCII-compatible text, on up to 16 KiB from the first non-ASCII byte: enough
// accented letters to tell UTF-8 from Windows-1252, while at most ~17 KiB are ever held back.
const HEAD_BYTES = 1024;
const UTF8_WINDOW_BYTES = 16 * 1024;

/**
 * Decodes a byte stream to text incrementally. The encoding is a byte-order mark's (UTF-8,
 * UTF-16, UTF-32), else UTF-16 or UTF-32 recognized by their NULs, else UTF-8 if the text is
 * UTF-8, else the charset a markup document declares (`<meta charset>`, `<?xml encoding>`), else
 * Windows-1252 (see sniff-encoding.ts). A leading byte-order mark is dropped, undecodable bytes
 * become U+FFFD and CRLF or lone CR become LF. Yields strings of at most 64 Ki characters.
 */
export async function* decodeTextStream(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new SniffingDecoder();
  for await (const chunk of source) yield* decoder.push(chunk);
  yield* decoder.end();
}

/** The text of a file's first bytes, decoded as `decodeTextStream` would (for sniffing formats). */
export function decodeTextHead(head: Uint8Array): string {
  const decoder = new SniffingDecoder();
  return [...decoder.push(head), ...decoder.end()].join("");
}

class SniffingDecoder {
  // Bytes held back while the encoding is undecided: the head, then (for ASCII-compatible text)
  // everything from the first non-ASCII byte until the window is full.
  #held: Uint8Array[] = [];
  #heldBytes = 0;
  #decoder: ChunkDecoder | undefined;
  /** Known after the head: the text is ASCII-compatible, and this is what its markup declares. */
  #sniffed: { declared: string | undefined } | undefined;
  #pendingCR = false;

  *push(bytes: Uint8Array): Generator<string> {
    if (this.#decoder) {
      yield* this.#decode(bytes, false);
      return;
    }
    if (this.#sniffed && this.#heldBytes === 0) {
      const firstHigh = yield* this.#ascii(bytes);
      if (firstHigh < 0) return;
      bytes = bytes.subarray(firstHigh);
    }
    this.#held.push(bytes);
    this.#heldBytes += bytes.length;
    yield* this.#sniff(false);
  }

  *end(): Generator<string> {
    if (!this.#decoder) yield* this.#sniff(true);
    yield* this.#decode(new Uint8Array(0), true);
  }

  *#sniff(final: boolean): Generator<string> {
    const threshold = this.#sniffed ? UTF8_WINDOW_BYTES : HEAD_BYTES;
    if (this.#heldBytes < threshold && !final) return;
    const held = this.#takeHeld();
    if (!this.#sniffed) {
      const mark = byteOrderMark(held);
      const wide = mark?.encoding ?? wideTextEncoding(held);
      if (wide) {
        this.#decoder = createChunkDecoder(wide);
        yield* this.#decode(held.subarray(mark?.length ?? 0), false);
        return;
      }
      this.#sniffed = { declared: declaredMarkupEncoding(held) };
      const firstHigh = yield* this.#ascii(held);
      if (firstHigh < 0) return;
      this.#held = [held.subarray(firstHigh)];
      this.#heldBytes = held.length - firstHigh;
      yield* this.#sniff(final);
      return;
    }
    const window = held.subarray(0, UTF8_WINDOW_BYTES);
    const utf8 = looksLikeUtf8(window, final && window.length === held.length);
    this.#decoder = createChunkDecoder(utf8 ? "utf-8" : (this.#sniffed.declared ?? "windows-1252"));
    yield* this.#decode(held, false);
  }

  #takeHeld(): Uint8Array {
    const only = this.#held.length === 1 ? this.#held[0] : undefined;
    const out = only ?? new Uint8Array(this.#heldBytes);
    let at = 0;
    for (const piece of only ? [] : this.#held) {
      out.set(piece, at);
      at += piece.length;
    }
    this.#held = [];
    this.#heldBytes = 0;
    return out;
  }

  /**
   * ASCII reads the same in every encoding left, so it passes through until the first non-ASCII
   * byte, whose index is returned (-1 if there is none). Decoding as Latin-1 and searching the
   * string is about 4x faster than looking at each byte in JavaScript.
   */
  *#ascii(bytes: Uint8Array): Generator<string, number> {
    for (let i = 0; i < bytes.length; i += DECODE_PIECE_BYTES) {
      const text = latin1Decoder.decode(bytes.subarray(i, i + DECODE_PIECE_BYTES));
      const high = text.search(/[\x80-\xff]/);
      const out = this.#normalize(high < 0 ? text : text.slice(0, high), false);
      if (out) yield out;
      if (high >= 0) return i + high;
    }
    return -1;
  }

  *#decode(bytes: Uint8Array, final: boolean): Generator<string> {
    const decoder = this.#decoder ?? createChunkDecoder("utf-8");
    for (let i = 0; i < bytes.length || (final && i === 0); i += DECODE_PIECE_BYTES) {
      const last = final && i + DECODE_PIECE_BYTES >= bytes.length;
      const out = this.#normalize(decoder.decode(bytes.subarray(i, i + DECODE_PIECE_BYTES), last), last);
      if (out) yield out;
    }
  }

  #normalize(text: string, final: boolean): string {
    let out = this.#pendingCR ? `\r${text}` : text;
    this.#pendingCR = !final && out.endsWith("\r");
    if (this.#pendingCR) out = out.slice(0, -1);
    return out.includes("\r") ? out.replace(/\r\n?/g, "\n") : out;
  }
}

// One character per byte (Node decodes "latin1" as ISO-8859-1, see chunk-decoders.ts).
const latin1Decoder = new TextDecoder("latin1");
