import {
  CreateMultipartUploadCommand,
  PutObjectCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { createPresignedPost } from "@aws-sdk/s3-presigned-post";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";

export interface PutUpload {
  method: "PUT";
  url: string;
  /** Headers the client must send exactly; they are part of the signature. */
  headers: Record<string, string>;
  expiresAt: string;
}
export interface PostUpload {
  method: "POST";
  url: string;
  fields: Record<string, string>;
  expiresAt: string;
}
export interface MultipartUpload {
  method: "multipart";
  uploadId: string;
  partSize: number;
  partCount: number;
  parts: { partNumber: number; url: string; size: number }[];
  expiresAt: string;
}
export type UploadInstructions = PutUpload | PostUpload | MultipartUpload;

export interface ObjectSpec {
  bucket: string;
  key: string;
  contentType: string;
  size: number;
  /** Lowercase hex sha256 the client declared, if any. */
  sha256?: string | null;
}

/**
 * How long a URL for a job's upload may live: the configured TTL, but never past the job's own
 * `upload_expires_at`, so that an idempotent replay late in a job's life cannot hand out a URL
 * that still writes after the job expired (S3 would accept it; nobody would own the object).
 * At least one second, since S3 refuses `X-Amz-Expires=0`.
 */
export function urlLifetimeSeconds(ttlSeconds: number, uploadExpiresAt: Date, now = Date.now()): number {
  const left = Math.floor((uploadExpiresAt.getTime() - now) / 1000);
  return Math.max(1, Math.min(ttlSeconds, left));
}

export const hexToBase64 = (hex: string) => Buffer.from(hex, "hex").toString("base64");

/**
 * A presigned PUT with Content-Type and Content-Length signed, and x-amz-checksum-sha256 when a
 * checksum was declared: S3 and MinIO then refuse a body of another size, type or content
 * themselves, before intake ever sees it. The headers stay headers (not hoisted into the query)
 * because a header the signature covers must be sent by the client to match.
 */
export async function presignPut(s3: S3Client, spec: ObjectSpec, expiresIn: number): Promise<PutUpload> {
  const headers: Record<string, string> = {
    "content-type": spec.contentType,
    "content-length": String(spec.size),
  };
  if (spec.sha256) headers["x-amz-checksum-sha256"] = hexToBase64(spec.sha256);
  const url = await getSignedUrl(
    s3,
    new PutObjectCommand({
      Bucket: spec.bucket,
      Key: spec.key,
      ContentType: spec.contentType,
      ContentLength: spec.size,
      ...(spec.sha256 ? { ChecksumSHA256: headers["x-amz-checksum-sha256"] } : {}),
    }),
    {
      expiresIn,
      signableHeaders: new Set(["content-type", "content-length"]),
      unhoistableHeaders: new Set(["x-amz-checksum-sha256", "content-type"]),
    },
  );
  return { method: "PUT", url, headers, expiresAt: expiry(expiresIn) };
}

/** A browser form POST whose policy pins the key, the content type and the exact size. */
export async function presignPost(s3: S3Client, spec: ObjectSpec, expiresIn: number): Promise<PostUpload> {
  const { url, fields } = await createPresignedPost(s3, {
    Bucket: spec.bucket,
    Key: spec.key,
    Expires: expiresIn,
    Fields: { "Content-Type": spec.contentType },
    Conditions: [
      ["content-length-range", spec.size, spec.size],
      ["eq", "$Content-Type", spec.contentType],
    ],
  });
  return { method: "POST", url, fields, expiresAt: expiry(expiresIn) };
}

export function partCount(size: number, partSize: number): number {
  return Math.max(1, Math.ceil(size / partSize));
}

export function partLength(size: number, partSize: number, partNumber: number): number {
  const count = partCount(size, partSize);
  return partNumber < count ? partSize : size - partSize * (count - 1);
}

/** Starts a multipart upload in S3; its parts are signed by `presignParts`. */
export async function createMultipart(s3: S3Client, spec: ObjectSpec): Promise<string> {
  const res = await s3.send(
    new CreateMultipartUploadCommand({ Bucket: spec.bucket, Key: spec.key, ContentType: spec.contentType }),
  );
  if (!res.UploadId) throw new Error("S3 returned no UploadId");
  return res.UploadId;
}

/** Part URLs with each part's exact length signed, so a part cannot be larger than planned. */
export async function presignParts(
  s3: S3Client,
  spec: ObjectSpec & { uploadId: string; partSize: number },
  partNumbers: number[],
  expiresIn: number,
): Promise<MultipartUpload["parts"]> {
  return Promise.all(
    partNumbers.map(async (partNumber) => {
      const size = partLength(spec.size, spec.partSize, partNumber);
      const url = await getSignedUrl(
        s3,
        new UploadPartCommand({
          Bucket: spec.bucket,
          Key: spec.key,
          UploadId: spec.uploadId,
          PartNumber: partNumber,
          ContentLength: size,
        }),
        { expiresIn, signableHeaders: new Set(["content-length"]) },
      );
      return { partNumber, url, size };
    }),
  );
}

function expiry(expiresIn: number): string {
  return new Date(Date.now() + expiresIn * 1000).toISOString();
}
