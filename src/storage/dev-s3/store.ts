import { createHash, randomUUID } from "node:crypto";
import { createReadStream } from "node:fs";
import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import path from "node:path";

export interface ObjectMeta {
  size: number;
  contentType: string;
  etag: string;
  sha256: string;
  /** Set when the uploader sent x-amz-checksum-sha256 (as S3 reports a FULL_OBJECT checksum). */
  checksumSha256: string | null;
  lastModified: string;
}

const enc = (s: string) => Buffer.from(s).toString("base64url");

/**
 * Objects and multipart parts as files under one directory, for the development S3 server.
 * Bodies are held in memory while written: it is meant for small local trials, not load.
 */
export class DevObjectStore {
  constructor(private readonly root: string) {}

  private objectPath(bucket: string, key: string) {
    return path.join(this.root, enc(bucket), "objects", enc(key));
  }
  private uploadDir(bucket: string, uploadId: string) {
    return path.join(this.root, enc(bucket), "uploads", uploadId.replace(/[^a-zA-Z0-9-]/g, ""));
  }

  async createBucket(bucket: string) {
    await mkdir(path.join(this.root, enc(bucket), "objects"), { recursive: true });
    await mkdir(path.join(this.root, enc(bucket), "uploads"), { recursive: true });
  }
  async hasBucket(bucket: string) {
    return stat(path.join(this.root, enc(bucket))).then(
      () => true,
      () => false,
    );
  }

  async put(
    bucket: string,
    key: string,
    body: Uint8Array,
    contentType: string,
    checksumSha256: string | null,
  ) {
    const file = this.objectPath(bucket, key);
    const meta: ObjectMeta = {
      size: body.byteLength,
      contentType,
      etag: `"${createHash("md5").update(body).digest("hex")}"`,
      sha256: createHash("sha256").update(body).digest("base64"),
      checksumSha256,
      lastModified: new Date().toUTCString(),
    };
    await writeFile(file, body);
    await writeFile(`${file}.json`, JSON.stringify(meta));
    return meta;
  }

  async head(bucket: string, key: string): Promise<ObjectMeta | null> {
    try {
      return JSON.parse(await readFile(`${this.objectPath(bucket, key)}.json`, "utf8")) as ObjectMeta;
    } catch {
      return null;
    }
  }

  read(bucket: string, key: string) {
    return createReadStream(this.objectPath(bucket, key));
  }

  /** Every object in a bucket, in key order (S3's listing order: UTF-8 byte order). */
  async listKeys(bucket: string): Promise<({ key: string } & ObjectMeta)[]> {
    const names = await readdir(path.join(this.root, enc(bucket), "objects")).catch(() => [] as string[]);
    const keys = names.filter((n) => !n.endsWith(".json")).map((n) => Buffer.from(n, "base64url").toString());
    const listed = await Promise.all(
      keys.map(async (key) => {
        const meta = await this.head(bucket, key);
        return meta ? [{ key, ...meta }] : [];
      }),
    );
    return listed.flat().sort((a, b) => Buffer.compare(Buffer.from(a.key), Buffer.from(b.key)));
  }

  async delete(bucket: string, key: string) {
    const file = this.objectPath(bucket, key);
    await rm(file, { force: true });
    await rm(`${file}.json`, { force: true });
  }

  async createUpload(bucket: string, key: string, contentType: string) {
    const uploadId = randomUUID();
    const dir = this.uploadDir(bucket, uploadId);
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, "upload.json"), JSON.stringify({ key, contentType }));
    return uploadId;
  }

  async upload(bucket: string, uploadId: string): Promise<{ key: string; contentType: string } | null> {
    try {
      return JSON.parse(await readFile(path.join(this.uploadDir(bucket, uploadId), "upload.json"), "utf8"));
    } catch {
      return null;
    }
  }

  async putPart(bucket: string, uploadId: string, partNumber: number, body: Uint8Array) {
    await writeFile(path.join(this.uploadDir(bucket, uploadId), `part-${partNumber}`), body);
    return `"${createHash("md5").update(body).digest("hex")}"`;
  }

  async listParts(bucket: string, uploadId: string) {
    const dir = this.uploadDir(bucket, uploadId);
    const names = (await readdir(dir)).filter((n) => n.startsWith("part-"));
    const parts = await Promise.all(
      names.map(async (n) => {
        const body = await readFile(path.join(dir, n));
        return {
          partNumber: Number(n.slice(5)),
          size: body.byteLength,
          etag: `"${createHash("md5").update(body).digest("hex")}"`,
        };
      }),
    );
    return parts.sort((a, b) => a.partNumber - b.partNumber);
  }

  async completeUpload(bucket: string, uploadId: string, partNumbers: number[]) {
    const upload = await this.upload(bucket, uploadId);
    if (!upload) return null;
    const dir = this.uploadDir(bucket, uploadId);
    const bodies = await Promise.all(partNumbers.map((n) => readFile(path.join(dir, `part-${n}`))));
    const meta = await this.put(bucket, upload.key, Buffer.concat(bodies), upload.contentType, null);
    await rm(dir, { recursive: true, force: true });
    return { key: upload.key, meta };
  }

  async abortUpload(bucket: string, uploadId: string) {
    await rm(this.uploadDir(bucket, uploadId), { recursive: true, force: true });
  }

  async listUploads(bucket: string) {
    const dir = path.join(this.root, enc(bucket), "uploads");
    const ids = await readdir(dir).catch(() => [] as string[]);
    const uploads = await Promise.all(
      ids.map(async (id) => ({ uploadId: id, ...(await this.upload(bucket, id)) })),
    );
    return uploads.filter((u): u is { uploadId: string; key: string; contentType: string } => Boolean(u.key));
  }
}
