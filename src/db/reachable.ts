import { stat } from "node:fs/promises";
import path from "node:path";

export interface Account {
  uid: number;
  gid: number;
}

/**
 * Whether `account` may traverse every directory from the root down to `target` and, with
 * `mode` "x" or "rx", use `target` itself that way. Judged from owner, group and other bits
 * (supplementary groups and ACLs are not read), which is what decides it for the `postgres`
 * user in practice.
 */
export async function canReach(target: string, account: Account, mode: "x" | "rx" = "x"): Promise<boolean> {
  const full = path.resolve(target);
  const chain = [full];
  for (let dir = path.dirname(full); ; dir = path.dirname(dir)) {
    chain.unshift(dir);
    if (dir === path.dirname(dir)) break;
  }
  for (const [i, p] of chain.entries()) {
    const last = i === chain.length - 1;
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch {
      return false;
    }
    const need = last && mode === "rx" ? 0o5 : 0o1;
    const bits =
      s.uid === account.uid ? (s.mode >> 6) & 7 : s.gid === account.gid ? (s.mode >> 3) & 7 : s.mode & 7;
    if ((bits & need) !== need) return false;
  }
  return true;
}
