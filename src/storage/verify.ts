import { createHash } from "node:crypto";
import {
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  type S3Client,
} from "@aws-sdk/client-s3";
import { hexToBase64 } from "./presign.js";

export type Verification =
  | { outcome: "ok"; etag: string; contentSha256: string | null }
  | { outcome: "missing" }
  | {
      outcome: "mismatch";
      code: "size_mismatch" | "checksum_mismatch" | "content_type_mismatch";
      detail: string;
    };

export interface ExpectedObject {
  bucket: string;
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
 * streamed and hashed here, once, before the job can ever be claimed.
 */
export async function verifyUploadedObject(s3: S3Client, expected: ExpectedObject): Promise<Verification> {
  let head: HeadObjectCommandOutput;
  try {
    head = await s3.send(
      new HeadObjectCommand({ Bucket: expected.bucket, Key: expected.key, ChecksumMode: "ENABLED" }),
    );
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 404 || (err as Error).name === "NotFound") return { outcome: "missing" };
    throw err;
  }
  if (head.ContentLength !== expected.size) {
    return {
      outcome: "mismatch",
      code: "size_mismatch",
      detail: `object is ${head.ContentLength} bytes, ${expected.size} were declared`,
    };
  }
  if (mediaType(head.ContentType) !== mediaType(expected.contentType)) {
    return {
      outcome: "mismatch",
      code: "content_type_mismatch",
      detail: `object has type ${head.ContentType}, ${expected.contentType} was declared`,
    };
  }
  const etag = head.ETag ?? "";
  if (!expected.sha256) return { outcome: "ok", etag, contentSha256: null };
  if (head.ChecksumSHA256 && head.ChecksumType !== "COMPOSITE") {
    return head.ChecksumSHA256 === hexToBase64(expected.sha256)
      ? { outcome: "ok", etag, contentSha256: expected.sha256 }
      : {
          outcome: "mismatch",
          code: "checksum_mismatch",
          detail: "object's sha256 differs from the declared one",
        };
  }
  const actual = await hashObject(s3, expected.bucket, expected.key, etag);
  return actual === expected.sha256
    ? { outcome: "ok", etag, contentSha256: actual }
    : {
        outcome: "mismatch",
        code: "checksum_mismatch",
        detail: "object's sha256 differs from the declared one",
      };
}

async function hashObject(s3: S3Client, bucket: string, key: string, etag: string): Promise<string> {
  const res = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key, IfMatch: etag }));
  const hash = createHash("sha256");
  for await (const chunk of res.Body as AsyncIterable<Uint8Array>) hash.update(chunk);
  return hash.digest("hex");
}

export async function deleteObject(s3: S3Client, bucket: string, key: string): Promise<void> {
  await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
}
