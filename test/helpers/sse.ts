/** One parsed Server-Sent Event. */
export interface SseEvent {
  id: string | undefined;
  data: string;
}

/**
 * Reads a text/event-stream body frame by frame (per the WHATWG parsing rules intake uses:
 * `field: value` lines, blank line ends an event, `:` starts a comment).
 */
export class SseReader {
  readonly comments: string[] = [];
  #reader: ReadableStreamDefaultReader<Uint8Array>;
  #decoder = new TextDecoder();
  #buffer = "";
  #ended = false;

  constructor(res: Response) {
    if (!res.body) throw new Error(`no body (status ${res.status})`);
    this.#reader = res.body.getReader();
  }

  /** The next event, or null once the server ended the stream; comments are kept aside. */
  async next(): Promise<SseEvent | null> {
    for (;;) {
      const frame = await this.#nextFrame();
      if (frame === null || typeof frame !== "string") return frame;
    }
  }

  /** Reads until a comment containing `text`; fails on an event or the end of the stream. */
  async nextComment(text: string): Promise<void> {
    for (;;) {
      const frame = await this.#nextFrame();
      if (frame === null) throw new Error(`stream ended before a "${text}" comment`);
      if (typeof frame !== "string") throw new Error(`expected a comment, got event ${frame.id}`);
      if (frame.includes(text)) return;
    }
  }

  /** An event, a comment's text, or null at the end. */
  async #nextFrame(): Promise<SseEvent | string | null> {
    for (;;) {
      const end = this.#buffer.indexOf("\n\n");
      if (end >= 0) {
        const frame = this.#buffer.slice(0, end);
        this.#buffer = this.#buffer.slice(end + 2);
        const event = this.#parse(frame);
        if (event) return event;
        const comment = frame.startsWith(":") ? frame.slice(1).trim() : null;
        if (comment !== null) return comment;
        continue;
      }
      if (this.#ended) return null;
      const { value, done } = await this.#reader.read();
      if (done) this.#ended = true;
      else this.#buffer += this.#decoder.decode(value, { stream: true });
    }
  }

  /** Drops the connection, as a client going away does. */
  cancel(): Promise<void> {
    return this.#reader.cancel();
  }

  #parse(frame: string): SseEvent | null {
    let id: string | undefined;
    const data: string[] = [];
    for (const line of frame.split("\n")) {
      if (line.startsWith(":")) this.comments.push(line.slice(1).trim());
      else if (line.startsWith("id:")) id = line.slice(3).trim();
      else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
    }
    return data.length > 0 ? { id, data: data.join("\n") } : null;
  }
}

/** Every event until the server ends the stream. */
export async function readToEnd(reader: SseReader): Promise<SseEvent[]> {
  const events: SseEvent[] = [];
  for (let e = await reader.next(); e; e = await reader.next()) events.push(e);
  return events;
}
