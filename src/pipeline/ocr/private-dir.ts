import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";

/**
 * Runs `fn` with a new directory that only this user can enter (mkdtemp creates it 0700), and
 * removes the directory and everything in it afterwards, whether `fn` succeeds or throws.
 * Document bytes and page bitmaps written there are never visible to other users.
 */
export async function withPrivateDir<T>(fn: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "intake-ocr-"));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
