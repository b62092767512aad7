export type RtfToken =
  | { type: "open" }
  | { type: "close" }
  | { type: "word"; word: string; param: number | undefined }
  /** `\'hh`: one byte in the document's code page. */
  | { type: "byte"; value: number }
  | { type: "text"; text: string };

// A control word is at most 32 letters and its parameter at most 10 digits (RTF 1.9.1, p. 11);
// a longer run is cut there, which bounds what one token can hold.
const MAX_WORD = 32;
const MAX_PARAM = 11;

/**
 * Splits RTF into tokens as bytes arrive, holding at most one unfinished control word between
 * chunks. Text between control words comes out in runs of at most one chunk.
 */
export class RtfTokenizer {
  #carry = "";

  /** Tokens of `chunk` (latin1-decoded: RTF is 7-bit, other bytes are taken as they are). */
  *push(chunk: string, final = false): Generator<RtfToken> {
    const text = this.#carry + chunk;
    this.#carry = "";
    let i = 0;
    let runStart = 0;
    const flushRun = function* (end: number): Generator<RtfToken> {
      if (end > runStart) yield { type: "text", text: text.slice(runStart, end).replace(/[\r\n]/g, "") };
    };
    while (i < text.length) {
      const c = text[i];
      if (c === "{" || c === "}") {
        yield* flushRun(i);
        yield { type: c === "{" ? "open" : "close" };
        runStart = ++i;
        continue;
      }
      if (c !== "\\") {
        i++;
        continue;
      }
      // A control sequence; if the chunk may end inside it, keep it for the next chunk.
      if (!final && text.length - i < MAX_WORD + MAX_PARAM + 4) {
        yield* flushRun(i);
        this.#carry = text.slice(i);
        return;
      }
      yield* flushRun(i);
      const next = text[i + 1] ?? "";
      if (/[a-zA-Z]/.test(next)) {
        let end = i + 1;
        while (end < text.length && end - i <= MAX_WORD && /[a-zA-Z]/.test(text[end] ?? "")) end++;
        const word = text.slice(i + 1, end);
        let paramEnd = end;
        if (text[paramEnd] === "-") paramEnd++;
        while (paramEnd < text.length && paramEnd - end < MAX_PARAM && /[0-9]/.test(text[paramEnd] ?? ""))
          paramEnd++;
        const digits = text.slice(end, paramEnd);
        const param = digits === "" || digits === "-" ? undefined : Number(digits);
        if (digits === "-") paramEnd = end;
        // One space after a control word is its delimiter, not text.
        i = text[paramEnd] === " " ? paramEnd + 1 : paramEnd;
        yield { type: "word", word, param };
      } else if (next === "'") {
        const value = Number.parseInt(text.slice(i + 2, i + 4), 16);
        i += 4;
        if (Number.isFinite(value)) yield { type: "byte", value };
      } else if (next === "\r" || next === "\n") {
        i += 2;
        yield { type: "word", word: "par", param: undefined };
      } else if (next === "\\" || next === "{" || next === "}") {
        i += 2;
        yield { type: "text", text: next };
      } else {
        // Control symbols: \~ (no-break space), \- (optional hyphen), \_ (no-break hyphen), \* ...
        i += 2;
        yield { type: "word", word: next, param: undefined };
      }
      runStart = i;
    }
    yield* flushRun(i);
  }
}
