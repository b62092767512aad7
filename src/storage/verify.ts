import { ObjectNotFoundError } from "./errors.js";
import type { ObjectHead, ObjectStore } from "./object-store.js";
import { hexToBase64 } from "./presign.js";
import { sha256Hex } from "./sha256-off-thread.js";

export type Verification =
  | { outcome: "ok"; etag: string; contentSha256: string | null }
  | { outcome: "missing" }
  /** `beforeHash` said the object no longer needs verifying; nothing was read. */
  | { outcome: "superseded" }
  | {
      outcome: "mismatch";
      code: "size_mismatch" | "checksum_mismatch" | "content_type_mismatch";
      detail: string;
    };

export interface ExpectedObject {
  key: string;
  size: number;
  contentType: string;
  sha256: string | null;
}

const mediaType = (ct: string | undefined) => (ct ?? "").split(";")[0]!.trim().toLowerCase();

/**
 * Proves an upload with HEAD: it exists, its size is the declared size, its type is the
 * declared type and, when a sha256 was declared, its content hashes to it. S3 reports a
 * FULL_OBJECT sha256 for single PUTs that sent one; otherwise (POST, multipart) the object is
 * streamed and hashed, once, before the job can ever be claimed: in a worker thread, since
 * hashing gigabytes on the API's event loop would stall every other request meanwhile.
 * `beforeHash`, called only when a hash is due, can call it off (`superseded`): the caller
 * checks there that the object still needs verifying before paying for the read.
 */
export async function verifyUploadedObject(
  store: ObjectStore,
  expected: ExpectedObject,
  opts: { beforeHash?: () => Promise<boolean> } = {},
): Promise<Verification> {
  let head: ObjectHead;
  try {
    head = await store.head(expected.key);
  } catch (err) {
    if (err instanceof ObjectNotFoundError) return { outcome: "missing" };
    throw err;
  }
  if (head.size !== expected.size) {
    return {
      outcome: "mismatch",
      code: "size_mismatch",
      detail: `object is ${head.size} bytes, ${expected.size} were declared`,
    };
  }
  if (mediaType(head.contentType) !== mediaType(expected.contentType)) {
    return {
      outcome: "mismatch",
      code: "content_type_mismatch",
      detail: `object has type ${head.contentType}, ${expected.contentType} was declared`,
    };
  }
  const { etag } = head;
  if (!expected.sha256) return { outcome: "ok", etag, contentSha256: null };
  if (head.checksumSha256 && head.checksumType !== "COMPOSITE") {
    return head.checksumSha256 === hexToBase64(expected.sha256)
      ? { outcome: "ok", etag, contentSha256: expected.sha256 }
      : {
          outcome: "mismatch",
          code: "checksum_mismatch",
          detail: "object's sha256 differs from the declared one",
        };
  }
  if (opts.beforeHash && !(await opts.beforeHash())) return { outcome: "superseded" };
  const actual = await hashObject(store, expected.key, etag);
  return actual === expected.sha256
    ? { outcome: "ok", etag, contentSha256: actual }
    : {
        outcome: "mismatch",
        code: "checksum_mismatch",
        detail: "object's sha256 differs from the declared one",
      };
}

async function hashObject(store: ObjectStore, key: string, etag: string): Promise<string> {
  return sha256Hex(await store.open(key, { ifMatch: etag }));
}
