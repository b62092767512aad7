/**
 * The part of a streamed text that the chunker still needs, addressed by offsets into the
 * whole text. Text before the current chunk is dropped once it is at least half the buffer, so
 * the buffer stays within about twice the live window and each character is copied O(1) times.
 */
export class StreamWindow {
  text = "";
  /** Offset of `text[0]` in the whole text. */
  start = 0;
  ended = false;
  readonly #input: AsyncIterator<string>;

  constructor(source: AsyncIterable<string>) {
    this.#input = source[Symbol.asyncIterator]();
  }

  get end(): number {
    return this.start + this.text.length;
  }

  /** Reads until the window reaches `offset` or the stream ends. */
  async fillTo(offset: number): Promise<void> {
    while (!this.ended && this.end < offset) {
      const next = await this.#input.next();
      if (next.done) this.ended = true;
      else this.text += next.value;
    }
  }

  slice(from: number, to: number): string {
    return this.text.slice(from - this.start, to - this.start);
  }

  dropBefore(offset: number): void {
    const dead = offset - this.start;
    if (dead > 0 && dead * 2 >= this.text.length) {
      this.text = this.text.slice(dead);
      this.start = offset;
    }
  }
}
