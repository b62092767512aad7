/**
 * The derived text a parse just wrote, kept in memory for the chunk stage that usually follows
 * on the same worker (stage chaining), so a small document's text is not read back from
 * storage moments after it was written there. Storage stays the record: a key that is not
 * here (a larger text, another worker, evicted) is read from storage as before. Bounded in
 * total characters, oldest out first; taking an entry removes it.
 */
export class TextHandoff {
  readonly #entries = new Map<string, string>();
  #chars = 0;

  constructor(
    readonly maxEntryChars = 1024 * 1024,
    readonly maxTotalChars = 8 * 1024 * 1024,
  ) {}

  /**
   * Keeps `text` under `key` if it is small enough. Stored as storage would return it: UTF-8
   * cannot carry a lone surrogate, so the text read back has U+FFFD there, and so does this.
   */
  offer(key: string, text: string): void {
    if (text.length > this.maxEntryChars) return;
    this.take(key);
    for (const [oldest, kept] of this.#entries) {
      if (this.#chars + text.length <= this.maxTotalChars) break;
      this.#entries.delete(oldest);
      this.#chars -= kept.length;
    }
    this.#entries.set(key, text.toWellFormed());
    this.#chars += text.length;
  }

  /**
   * Gathers a text as it is written, without holding more than an entry may: past
   * `maxEntryChars` it lets go of what it has. `offerAs` then keeps whatever it still holds.
   */
  collector(): { add(chunk: string): void; offerAs(key: string): void } {
    let parts: string[] | undefined = [];
    let chars = 0;
    return {
      add: (chunk) => {
        if (!parts) return;
        chars += chunk.length;
        if (chars <= this.maxEntryChars) parts.push(chunk);
        else parts = undefined;
      },
      offerAs: (key) => {
        if (parts) this.offer(key, parts.join(""));
      },
    };
  }

  take(key: string): string | undefined {
    const text = this.#entries.get(key);
    if (text !== undefined) {
      this.#entries.delete(key);
      this.#chars -= text.length;
    }
    return text;
  }

  get size(): number {
    return this.#entries.size;
  }
}
