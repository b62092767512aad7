import { access } from "node:fs/promises";
import path from "node:path";
import { CACHE_ROOT, type Conversion, ConversionCache } from "./cache.js";
import { lastLine, runCommand } from "./run-command.js";

// Pinned so that a rerun compares with the same markitdown; raise it deliberately.
const MARKITDOWN = "markitdown[all]==0.1.9";
const VENV = path.join(CACHE_ROOT, "quality-venv");
const BIN = path.join(VENV, "bin", "markitdown");
const TIMEOUT_MS = 300_000;
const INSTALL_TIMEOUT_MS = 20 * 60_000;

/**
 * Creates the venv with markitdown on first use and returns markitdown's version. Throws one
 * line naming the command that fixes a missing python3-venv or a failed pip install.
 */
export async function ensureMarkitdown(log: (message: string) => void): Promise<string> {
  if (!(await exists(BIN))) {
    log(`installing ${MARKITDOWN} into ${VENV} (first run only)`);
    const venv = await runCommand("python3", ["-m", "venv", VENV], { timeoutMs: INSTALL_TIMEOUT_MS });
    if (venv.code !== 0) {
      throw new Error(`python3 -m venv failed (${lastLine(venv.stderr)}): apt-get install -y python3-venv`);
    }
    const pip = path.join(VENV, "bin", "pip");
    const install = await runCommand(pip, ["install", "--quiet", MARKITDOWN], {
      timeoutMs: INSTALL_TIMEOUT_MS,
    });
    if (install.code !== 0) {
      throw new Error(`pip install failed (${lastLine(install.stderr)}): ${pip} install '${MARKITDOWN}'`);
    }
  }
  const version = await runCommand(BIN, ["--version"], { timeoutMs: 60_000 });
  if (version.code !== 0) throw new Error(`${BIN} --version failed: rm -rf ${VENV} and run again`);
  return version.stdout.toString().trim();
}

const cache = new ConversionCache("quality-markitdown");

/**
 * markitdown's Markdown for `file`, one process per file so that a hang is killed at the
 * timeout. Cached by the file's sha256, extension and markitdown's version: without an LLM
 * client markitdown is deterministic, so a cached output is the output this run would produce.
 */
export function markitdownText(
  file: { path: string; sha256: string; format: string },
  version: string,
): Promise<Conversion> {
  return cache.getOrConvert([file.sha256, file.format, version], async () => {
    const result = await runCommand(BIN, [file.path], { timeoutMs: TIMEOUT_MS });
    if (result.timedOut) return { error: `timed out after ${TIMEOUT_MS / 1000} s` };
    if (result.code !== 0) return { error: lastLine(result.stderr) || `exit ${result.code}` };
    return { text: result.stdout.toString("utf8") };
  });
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
