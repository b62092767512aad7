/**
 * What the uploader reads from: a size known up front (intake signs it) and random access by
 * byte range (multipart parts, retries and resume re-read only their own range). Node files
 * and streams become one in `./node.js`; this module stays free of Node imports for browsers.
 */
export interface UploadSource {
  name: string;
  size: number;
  /** Media type; empty when unknown (the SDK then guesses from the name). */
  type: string;
  /** Bytes [start, end) as a request body. */
  slice(start: number, end: number): Promise<Blob | Uint8Array<ArrayBuffer>>;
  /** Lowercase hex sha256 of the whole content, or null when hashing it is not feasible. */
  sha256(): Promise<string | null>;
}

/**
 * WebCrypto digests one buffer, not a stream, so in-memory sources are hashed up to this size;
 * larger Blobs upload without a declared checksum (S3 still checks each request's integrity).
 */
export const MAX_IN_MEMORY_HASH_BYTES = 256 * 1024 * 1024;

/** Null where WebCrypto is missing: browsers offer `crypto.subtle` only on https and localhost. */
export async function sha256OfBytes(bytes: Uint8Array<ArrayBuffer>): Promise<string | null> {
  if (!globalThis.crypto?.subtle) return null;
  const digest = await crypto.subtle.digest("SHA-256", bytes);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export function fromBlob(blob: Blob, name?: string): UploadSource {
  const fileName = name ?? (blob as Partial<File>).name ?? "upload.bin";
  return {
    name: fileName,
    size: blob.size,
    type: blob.type,
    slice: async (start, end) => blob.slice(start, end),
    sha256: async () =>
      blob.size <= MAX_IN_MEMORY_HASH_BYTES ? sha256OfBytes(new Uint8Array(await blob.arrayBuffer())) : null,
  };
}

export function fromBytes(bytes: Uint8Array, name = "upload.bin", type = ""): UploadSource {
  const own = new Uint8Array(bytes); // a copy backed by a plain ArrayBuffer, as fetch and digest want
  return {
    name,
    size: own.byteLength,
    type,
    slice: async (start, end) => own.subarray(start, end),
    sha256: () => sha256OfBytes(own),
  };
}

const TYPES: Record<string, string> = {
  txt: "text/plain",
  log: "text/plain",
  md: "text/markdown",
  markdown: "text/markdown",
  csv: "text/csv",
  json: "application/json",
  html: "text/html",
  htm: "text/html",
  pdf: "application/pdf",
  docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  doc: "application/msword",
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  xlsm: "application/vnd.ms-excel.sheet.macroEnabled.12",
  pptx: "application/vnd.openxmlformats-officedocument.presentationml.presentation",
  odt: "application/vnd.oasis.opendocument.text",
  ods: "application/vnd.oasis.opendocument.spreadsheet",
  odp: "application/vnd.oasis.opendocument.presentation",
  epub: "application/epub+zip",
  eml: "message/rfc822",
  msg: "application/vnd.ms-outlook",
  rtf: "application/rtf",
};

/** A media type from the file name's extension; `application/octet-stream` when unknown. */
export function guessContentType(name: string): string {
  const ext = /\.([A-Za-z0-9]+)$/.exec(name)?.[1]?.toLowerCase() ?? "";
  return TYPES[ext] ?? "application/octet-stream";
}
