import type { PageSpan, SectionSpan, TextSink } from "./types.js";

// Coalescing tiny writes (HTML text nodes, DOCX runs) keeps sink calls few; 64 Ki chars bounds
// what is held between flushes.
const FLUSH_CHARS = 64 * 1024;

/**
 * Accumulates the output text of one document, tracks offsets, pages and sections, and hands the
 * text to the sink in bounded pieces. `append` is synchronous so that parsers with synchronous
 * callbacks (SAX, inflate) can use it; they call `flushIfFull` between input pieces.
 */
export class DocumentOutput {
  readonly pages: PageSpan[] = [];
  readonly sections: SectionSpan[] = [];
  sectionsTruncated = false;
  #written = 0;
  #pending: string[] = [];
  #pendingChars = 0;
  #openSections: SectionSpan[] = [];

  constructor(
    private readonly sink: TextSink,
    private readonly maxSections: number,
  ) {}

  /** Offset of the next character to be appended. */
  get length(): number {
    return this.#written + this.#pendingChars;
  }

  append(text: string): void {
    if (text.length === 0) return;
    // Postgres text cannot hold U+0000; the replacement keeps every offset unchanged.
    const clean = text.includes("\u0000") ? text.replaceAll("\u0000", "\uFFFD") : text;
    this.#pending.push(clean);
    this.#pendingChars += clean.length;
  }

  async write(text: string): Promise<void> {
    this.append(text);
    await this.flushIfFull();
  }

  async flushIfFull(): Promise<void> {
    if (this.#pendingChars >= FLUSH_CHARS) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.#pendingChars === 0) return;
    const text = this.#pending.join("");
    this.#pending = [];
    this.#written += this.#pendingChars;
    this.#pendingChars = 0;
    for (let i = 0; i < text.length; i += FLUSH_CHARS) {
      await this.sink.write(text.slice(i, i + FLUSH_CHARS));
    }
  }

  /** Starts a section at `start`; it ends where the next heading of the same or a higher level starts. */
  openSection(title: string, level: number, start: number = this.length): void {
    this.closeSections(level, start);
    if (this.sections.length >= this.maxSections) {
      this.sectionsTruncated = true;
      return;
    }
    const section: SectionSpan = { title: title.slice(0, 200), level, start, end: start };
    this.sections.push(section);
    this.#openSections.push(section);
  }

  addPage(page: number, start: number, end: number): void {
    this.pages.push({ page, start, end });
  }

  /** Flushes the text and closes open sections at the end of the document. */
  async finish(): Promise<number> {
    await this.flush();
    this.closeSections(0, this.#written);
    return this.#written;
  }

  private closeSections(level: number, end: number): void {
    while (this.#openSections.length > 0) {
      const last = this.#openSections.at(-1);
      if (!last || last.level < level) break;
      last.end = end;
      this.#openSections.pop();
    }
  }
}
