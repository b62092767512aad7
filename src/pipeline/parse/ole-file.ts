import { Reader } from "@kenjiuno/msgreader/lib/Reader.js";
import { PipelineError } from "../errors.js";

/**
 * The streams of an OLE2 compound file's root storage, read in memory with
 * @kenjiuno/msgreader's `Reader` (intake's .msg reader): a stream's bytes, or null when the file
 * has no stream of that name. A file the reader cannot open is `corrupt_file`, named as `what`.
 */
export function openOleFile(data: Uint8Array, what: string): (name: string) => Uint8Array | null {
  const corrupt = (error: unknown) =>
    new PipelineError("corrupt_file", `${what} could not be read: ${(error as Error).message}`, {
      cause: error,
    });
  let root: ReturnType<Reader["rootFolder"]>;
  try {
    const reader = new Reader(new DataView(data.buffer, data.byteOffset, data.byteLength));
    reader.parse();
    root = reader.rootFolder();
  } catch (error) {
    throw corrupt(error);
  }
  return (name) => {
    try {
      return root.readFile(name);
    } catch (error) {
      throw corrupt(error);
    }
  };
}
