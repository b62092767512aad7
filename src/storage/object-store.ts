import { PassThrough } from "node:stream";
import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  ListPartsCommand,
  type S3Client,
  UploadPartCommand,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { getSignedUrl } from "@aws-sdk/s3-request-presigner";
import type { Dependency } from "../resilience/dependency.js";
import { type BucketSetupResult, setupBucket } from "./bucket-setup.js";
import {
  InvalidPartsError,
  isNotFound,
  isPreconditionFailed,
  ObjectNotFoundError,
  PreconditionFailedError,
} from "./errors.js";
import {
  createMultipart,
  type MultipartUpload,
  type ObjectSpec,
  type PostUpload,
  type PutUpload,
  presignParts,
  presignPost,
  presignPut,
} from "./presign.js";

export interface ObjectStoreProps {
  /** Talks to storage; built with the SDK's own retries off (the dependency retries). */
  client: S3Client;
  /** Signs URLs for the host clients reach (S3_PUBLIC_ENDPOINT); defaults to `client`. */
  signer?: S3Client;
  bucket: string;
  /** p-retry inside an opossum breaker: every call to storage goes through it. */
  dependency: Dependency;
}

export interface ObjectHead {
  size: number;
  contentType: string;
  etag: string;
  /** Base64 sha256 S3 computed, with its type (FULL_OBJECT or COMPOSITE), when the upload sent one. */
  checksumSha256?: string;
  checksumType?: string;
}

/** Where a stream of text goes: one object, written as it is produced. */
export interface ObjectWriter {
  write(text: string): Promise<void>;
  /** Ends the object; resolves once storage holds all of it. */
  close(): Promise<void>;
  abort(): Promise<void>;
}

export interface ListedObject {
  key: string;
  lastModified: Date;
  size: number;
}

export type SignedObject = Omit<ObjectSpec, "bucket">;

/**
 * The bucket intake works in, and the only holder of an S3 client. Every call that reaches
 * storage goes through the dependency (retries for transient errors, the breaker for outages)
 * and answers with typed errors (`ObjectNotFoundError`, `PreconditionFailedError`,
 * `InvalidPartsError`) or, when storage is down, `DependencyUnavailableError`. Signing a URL is
 * local computation and does not touch the breaker.
 */
export class ObjectStore {
  readonly bucket: string;
  readonly #props: Readonly<ObjectStoreProps>;

  constructor(props: ObjectStoreProps) {
    this.#props = Object.freeze({ ...props });
    this.bucket = props.bucket;
  }

  /** True while the breaker refuses calls; workers stop claiming stages that need storage. */
  get isOpen(): boolean {
    return this.#props.dependency.isOpen;
  }

  async head(key: string): Promise<ObjectHead> {
    const res = await this.#call(key, (abortSignal) =>
      this.#props.client.send(
        new HeadObjectCommand({ Bucket: this.bucket, Key: key, ChecksumMode: "ENABLED" }),
        { abortSignal },
      ),
    );
    return {
      size: res.ContentLength ?? 0,
      contentType: res.ContentType ?? "",
      etag: res.ETag ?? "",
      checksumSha256: res.ChecksumSHA256,
      checksumType: res.ChecksumType,
    };
  }

  /**
   * Opens an object for streaming. `ifMatch` pins the version that was verified: if the object
   * was replaced since, this throws `PreconditionFailedError` instead of reading other bytes.
   */
  async open(
    key: string,
    opts: { ifMatch?: string | null; signal?: AbortSignal } = {},
  ): Promise<AsyncIterable<Uint8Array>> {
    const res = await this.#call(
      key,
      (abortSignal) =>
        this.#props.client.send(
          new GetObjectCommand({
            Bucket: this.bucket,
            Key: key,
            ...(opts.ifMatch ? { IfMatch: opts.ifMatch } : {}),
          }),
          { abortSignal },
        ),
      opts.signal,
    );
    return res.Body as AsyncIterable<Uint8Array>;
  }

  /**
   * Writes text to an object as it is produced, in multipart pieces, so the whole text is never
   * in memory. A streamed body cannot be replayed, so it goes through the breaker once, without
   * retries: a failure fails this attempt and the stage's own retry writes it again.
   */
  writer(key: string, contentType: string): ObjectWriter {
    const body = new PassThrough();
    const upload = new Upload({
      client: this.#props.client,
      params: { Bucket: this.bucket, Key: key, Body: body, ContentType: contentType },
      queueSize: 2,
      partSize: 5 * 1024 * 1024,
    });
    const done = this.#props.dependency.call(() => upload.done(), { retries: 0 });
    // Surface an upload failure while the producer continues, rather than only at the end.
    done.catch(() => body.destroy());
    return {
      write: (text) =>
        new Promise((resolve, reject) => {
          if (body.destroyed) return reject(new Error(`writing ${key} to storage failed`));
          body.write(text, "utf8", (err) => (err ? reject(err) : resolve()));
        }),
      close: async () => {
        body.end();
        await done;
      },
      abort: async () => {
        body.destroy();
        await upload.abort().catch(() => {});
        await done.catch(() => {});
      },
    };
  }

  /** Removes an object; removing one that is not there is not an error. */
  async delete(key: string): Promise<void> {
    await this.#call(key, (abortSignal) =>
      this.#props.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }), { abortSignal }),
    );
  }

  /**
   * One page (at most `limit`, S3's cap is 1000) of the objects under `prefix`, in key order;
   * pass the returned `next` back as `after` for the following page, until it is null.
   */
  async list(
    prefix: string,
    opts: { after?: string | null; limit?: number } = {},
  ): Promise<{ objects: ListedObject[]; next: string | null }> {
    const res = await this.#call(prefix, (abortSignal) =>
      this.#props.client.send(
        new ListObjectsV2Command({
          Bucket: this.bucket,
          Prefix: prefix,
          MaxKeys: Math.min(opts.limit ?? 1000, 1000),
          ...(opts.after ? { StartAfter: opts.after } : {}),
        }),
        { abortSignal },
      ),
    );
    const objects = (res.Contents ?? []).flatMap((o) =>
      o.Key ? [{ key: o.Key, lastModified: o.LastModified ?? new Date(0), size: o.Size ?? 0 }] : [],
    );
    return { objects, next: res.IsTruncated && objects.length > 0 ? objects.at(-1)!.key : null };
  }

  async createMultipart(spec: SignedObject): Promise<string> {
    return this.#call(spec.key, () => createMultipart(this.#props.client, { ...spec, bucket: this.bucket }));
  }

  /** Parts storage already holds, so an interrupted client can resume where it stopped. */
  async listParts(
    key: string,
    uploadId: string,
  ): Promise<{ partNumber: number; etag: string; size: number }[]> {
    const parts: { partNumber: number; etag: string; size: number }[] = [];
    let marker: string | undefined;
    do {
      const res = await this.#call(key, (abortSignal) =>
        this.#props.client.send(
          new ListPartsCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            PartNumberMarker: marker,
          }),
          { abortSignal },
        ),
      );
      for (const p of res.Parts ?? [])
        parts.push({ partNumber: p.PartNumber!, etag: p.ETag!, size: p.Size! });
      marker = res.IsTruncated ? res.NextPartNumberMarker : undefined;
    } while (marker);
    return parts;
  }

  /**
   * Assembles a multipart upload. `gone` when storage no longer knows the upload: it was already
   * assembled (a repeated call) or aborted; a HEAD tells which.
   */
  async completeMultipart(
    key: string,
    uploadId: string,
    parts: { partNumber: number; etag: string }[],
  ): Promise<"assembled" | "gone"> {
    const sorted = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    try {
      await this.#call(key, (abortSignal) =>
        this.#props.client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: sorted.map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })) },
          }),
          { abortSignal },
        ),
      );
      return "assembled";
    } catch (err) {
      const name = (err as Error).name;
      if (name === "NoSuchUpload") return "gone";
      if (name === "InvalidPart" || name === "InvalidPartOrder" || name === "EntityTooSmall") {
        throw new InvalidPartsError(`S3 refused the part list: ${(err as Error).message}`);
      }
      throw err;
    }
  }

  /** Aborts a multipart upload and frees its parts; one already gone is not an error. */
  async abortMultipart(key: string, uploadId: string): Promise<void> {
    try {
      await this.#call(key, (abortSignal) =>
        this.#props.client.send(
          new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: key, UploadId: uploadId }),
          { abortSignal },
        ),
      );
    } catch (err) {
      if ((err as Error).name !== "NoSuchUpload") throw err;
    }
  }

  presignPut(spec: SignedObject, expiresIn: number): Promise<PutUpload> {
    return presignPut(this.#signer, { ...spec, bucket: this.bucket }, expiresIn);
  }

  presignPost(spec: SignedObject, expiresIn: number): Promise<PostUpload> {
    return presignPost(this.#signer, { ...spec, bucket: this.bucket }, expiresIn);
  }

  /** Part URLs with each part's exact length signed. */
  presignParts(
    spec: SignedObject & { uploadId: string; partSize: number },
    partNumbers: number[],
    expiresIn: number,
  ): Promise<MultipartUpload["parts"]> {
    return presignParts(this.#signer, { ...spec, bucket: this.bucket }, partNumbers, expiresIn);
  }

  /**
   * A GET URL for downloading an object, pinned to `filename` (Content-Disposition) and its
   * type, so that a browser saves it under its name instead of rendering it.
   */
  presignGet(key: string, expiresIn: number, as: { filename: string; contentType: string }): Promise<string> {
    const command = new GetObjectCommand({
      Bucket: this.bucket,
      Key: key,
      ResponseContentDisposition: contentDisposition("attachment", as.filename),
      ResponseContentType: as.contentType,
    });
    return getSignedUrl(this.#signer, command, { expiresIn });
  }

  /** A part URL without its length signed, for clients that choose their own part size (Uppy). */
  presignPartOfAnySize(
    key: string,
    uploadId: string,
    partNumber: number,
    expiresIn: number,
  ): Promise<string> {
    const command = new UploadPartCommand({
      Bucket: this.bucket,
      Key: key,
      UploadId: uploadId,
      PartNumber: partNumber,
    });
    return getSignedUrl(this.#signer, command, { expiresIn });
  }

  /**
   * One HEAD of the bucket outside the breaker and without retries: does storage answer now?
   * Readiness and the refund check ask this; an open breaker must not hide a recovery.
   */
  async probe(timeoutMs = 2000): Promise<{ ok: true } | { ok: false; error: string }> {
    try {
      await this.#props.client.send(new HeadBucketCommand({ Bucket: this.bucket }), {
        abortSignal: AbortSignal.timeout(timeoutMs),
      });
      return { ok: true };
    } catch (err) {
      return { ok: false, error: (err as Error).message || (err as Error).name };
    }
  }

  /** Creates and configures the bucket at start-up (see setupBucket); the caller retries. */
  ensureBucket(opts: { notifications: boolean }): Promise<BucketSetupResult> {
    return setupBucket(this.#props.client, this.bucket, opts);
  }

  destroy(): void {
    this.#props.client.destroy();
    if (this.#props.signer && this.#props.signer !== this.#props.client) this.#props.signer.destroy();
  }

  get #signer(): S3Client {
    return this.#props.signer ?? this.#props.client;
  }

  /** One guarded call, with the SDK's 404 and 412 turned into typed errors. */
  async #call<T>(
    key: string,
    send: (signal: AbortSignal | undefined) => Promise<T>,
    signal?: AbortSignal,
  ): Promise<T> {
    try {
      return await this.#props.dependency.call(() => send(signal));
    } catch (err) {
      if (isNotFound(err)) throw new ObjectNotFoundError(key);
      if (isPreconditionFailed(err)) throw new PreconditionFailedError(key);
      throw err;
    }
  }
}

/** RFC 6266: an ASCII fallback name and the exact name in RFC 5987 encoding. */
export function contentDisposition(type: "attachment" | "inline", filename: string): string {
  const ascii = filename.replace(/[^\x20-\x7e]|["\\]/g, "_");
  const encoded = encodeURIComponent(filename).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${type}; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}
