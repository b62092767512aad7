import PostalMime, { type Address } from "postal-mime";
import { PipelineError } from "../errors.js";
import type { BufferContext } from "./buffer-context.js";
import { createChunkDecoder } from "./chunk-decoders.js";
import type { DocumentOutput } from "./document-output.js";
import { type Message, writeMessage } from "./message.js";
import { byteOrderMark, wideTextEncoding } from "./sniff-encoding.js";

// MIME parts nest a few levels in real mail (mixed > alternative > related); 20 stops a crafted
// message long before postal-mime's recursion could matter. 1 MiB of headers is far above any
// real message's.
const MAX_MIME_DEPTH = 20;
const MAX_HEADERS_BYTES = 1024 * 1024;

/**
 * Reads an RFC 5322 message (EML) with postal-mime and writes it as Markdown (see
 * writeMessage). UTF-16 and UTF-32 files, which some tools save, are decoded first. S/MIME or PGP
 * encrypted messages fail as `encrypted_file`.
 */
export async function parseEml(
  data: Uint8Array,
  output: DocumentOutput,
  context: BufferContext,
): Promise<Record<string, unknown>> {
  const wide = wideTextEncoding(data.subarray(0, 1024));
  const raw = wide
    ? createChunkDecoder(wide).decode(data.subarray(byteOrderMark(data)?.length ?? 0), true)
    : data;
  let email: Awaited<ReturnType<typeof PostalMime.parse>>;
  try {
    email = await PostalMime.parse(raw, {
      attachmentEncoding: "arraybuffer",
      maxNestingDepth: MAX_MIME_DEPTH,
      maxHeadersSize: MAX_HEADERS_BYTES,
    });
  } catch (error) {
    throw new PipelineError("corrupt_file", `e-mail could not be read: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const contentType = email.headers.find((header) => header.key === "content-type")?.value ?? "";
  if (/multipart\/encrypted|application\/(x-)?pkcs7-mime[\s\S]*enveloped-data/i.test(contentType)) {
    throw new PipelineError("encrypted_file", "e-mail is encrypted (S/MIME or PGP)");
  }
  if (email.headers.length === 0 && !email.text && !email.html) {
    throw new PipelineError("corrupt_file", "file has no e-mail headers or body");
  }
  const message: Message = {
    subject: email.subject,
    from: email.from && formatAddresses([email.from]),
    to: email.to && formatAddresses(email.to),
    cc: email.cc && formatAddresses(email.cc),
    // The Date header as written (its zone included); postal-mime's is re-rendered in UTC.
    date:
      email.headers
        .find((header) => header.key === "date")
        ?.value.replace(/\s+/g, " ")
        .trim() || email.date,
    text: email.text,
    html: email.html,
    attachments: email.attachments.map((attachment) => ({
      filename: attachment.filename ?? "",
      mimeType: attachment.mimeType,
      content:
        typeof attachment.content === "string"
          ? new TextEncoder().encode(attachment.content)
          : // An ArrayBuffer is viewed whole; a typed array is copied, its own bytes only (its
            // `.buffer` may hold more than the attachment).
            new Uint8Array(attachment.content),
      inline: attachment.disposition === "inline" && attachment.mimeType.startsWith("image/"),
    })),
  };
  return writeMessage(message, output, context);
}

function formatAddresses(addresses: Address[]): string {
  return addresses
    .flatMap((address) => (address.group ? address.group : [address]))
    .map(({ name, address }) => (name && address ? `${name} <${address}>` : name || address || ""))
    .filter(Boolean)
    .join(", ");
}
