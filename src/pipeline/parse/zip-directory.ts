import { PipelineError } from "../errors.js";

export interface ZipEntry {
  name: string;
  method: number;
  compressedSize: number;
  uncompressedSize: number;
  encrypted: boolean;
  localHeaderOffset: number;
}

const EOCD_SIGNATURE = 0x06054b50;
const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
// The end-of-central-directory record is 22 bytes plus a comment of at most 65535 bytes.
const EOCD_MAX_DISTANCE = 22 + 0xffff;

/**
 * Reads a zip's central directory, which (unlike local headers) always carries the sizes, even
 * for entries written with data descriptors. A missing or out-of-bounds directory means the file
 * was truncated or is not a zip: `corrupt_file`.
 */
export function readZipDirectory(zip: Uint8Array): Map<string, ZipEntry> {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const eocd = findEndOfCentralDirectory(view);
  const count = view.getUint16(eocd + 10, true);
  const directorySize = view.getUint32(eocd + 12, true);
  const directoryOffset = view.getUint32(eocd + 16, true);
  if (directoryOffset === 0xffffffff || count === 0xffff) throw corrupt("ZIP64 archives are not supported");
  if (directoryOffset + directorySize > eocd) throw corrupt("zip central directory is out of bounds");

  const entries = new Map<string, ZipEntry>();
  const names = new TextDecoder();
  let at = directoryOffset;
  for (let i = 0; i < count; i++) {
    if (at + 46 > eocd || view.getUint32(at, true) !== CENTRAL_SIGNATURE)
      throw corrupt("zip central directory is damaged");
    const nameLength = view.getUint16(at + 28, true);
    const entry: ZipEntry = {
      name: names.decode(zip.subarray(at + 46, at + 46 + nameLength)),
      method: view.getUint16(at + 10, true),
      compressedSize: view.getUint32(at + 20, true),
      uncompressedSize: view.getUint32(at + 24, true),
      encrypted: (view.getUint16(at + 8, true) & 1) === 1,
      localHeaderOffset: view.getUint32(at + 42, true),
    };
    entries.set(entry.name, entry);
    at += 46 + nameLength + view.getUint16(at + 30, true) + view.getUint16(at + 32, true);
  }
  return entries;
}

/** The entry's stored (usually deflated) bytes, checked to lie inside the file. */
export function compressedData(zip: Uint8Array, entry: ZipEntry): Uint8Array {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localHeaderOffset;
  if (at + 30 > zip.length || view.getUint32(at, true) !== LOCAL_SIGNATURE) {
    throw corrupt(`zip entry ${entry.name} has no local header`);
  }
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const end = start + entry.compressedSize;
  if (end > zip.length) throw corrupt(`zip entry ${entry.name} is truncated`);
  return zip.subarray(start, end);
}

function findEndOfCentralDirectory(view: DataView): number {
  const lowest = Math.max(0, view.byteLength - EOCD_MAX_DISTANCE);
  for (let at = view.byteLength - 22; at >= lowest; at--) {
    if (view.getUint32(at, true) === EOCD_SIGNATURE) return at;
  }
  throw corrupt("zip end of central directory not found (truncated file?)");
}

function corrupt(message: string): PipelineError {
  return new PipelineError("corrupt_file", message);
}
