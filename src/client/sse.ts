export interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/**
 * Parses a text/event-stream body (WHATWG HTML §9.2): fields up to a blank line make one
 * message; `data:` lines join with "\n"; lines starting with ":" are comments (heartbeats).
 */
export async function* parseSse(body: ReadableStream<Uint8Array>): AsyncGenerator<SseMessage> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let msg: { id?: string; event?: string; data: string[] } = { data: [] };
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += decoder.decode(value, { stream: true });
      let newline = buffer.search(/\r\n|\r|\n/);
      while (newline >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + (buffer.startsWith("\r\n", newline) ? 2 : 1));
        if (line === "") {
          if (msg.data.length > 0 || msg.event)
            yield { id: msg.id, event: msg.event, data: msg.data.join("\n") };
          msg = { data: [] };
        } else if (!line.startsWith(":")) {
          const colon = line.indexOf(":");
          const field = colon < 0 ? line : line.slice(0, colon);
          const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
          if (field === "data") msg.data.push(value);
          else if (field === "id") msg.id = value;
          else if (field === "event") msg.event = value;
        }
        newline = buffer.search(/\r\n|\r|\n/);
      }
    }
  } finally {
    reader.releaseLock();
  }
}
