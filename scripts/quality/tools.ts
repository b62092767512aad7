import { access, constants } from "node:fs/promises";
import path from "node:path";
import { runCommand } from "./run-command.js";

/** A command-line tool from a Debian package that the benchmark runs as a reference. */
export interface Tool {
  bin: string;
  /** Debian packages that must be installed for it; the first one's version keys the cache. */
  packages: string[];
}

// msgconvert needs Email::Address, which its package only recommends; LibreOffice reads each
// kind of document with its own module package.
export const TOOLS = {
  pdftotext: { bin: "pdftotext", packages: ["poppler-utils"] },
  pandoc: { bin: "pandoc", packages: ["pandoc"] },
  writer: { bin: "soffice", packages: ["libreoffice-core", "libreoffice-writer"] },
  calc: { bin: "soffice", packages: ["libreoffice-core", "libreoffice-calc"] },
  impress: { bin: "soffice", packages: ["libreoffice-core", "libreoffice-impress"] },
  python: { bin: "python3", packages: [] },
  msgconvert: { bin: "msgconvert", packages: ["libemail-outlook-message-perl", "libemail-address-perl"] },
} as const satisfies Record<string, Tool>;

export type ToolName = keyof typeof TOOLS;

/** Packages of `tools` that are missing; empty when everything is there. */
export async function missingPackages(tools: Iterable<ToolName>): Promise<string[]> {
  const missing = new Set<string>();
  // Off Debian there is no package database to ask; the binary on PATH decides.
  const debian = await onPath("dpkg-query");
  for (const name of tools) {
    const tool: Tool = TOOLS[name];
    const installed = debian ? await Promise.all(tool.packages.map(debianVersion)) : tool.packages;
    tool.packages.forEach((pkg, i) => {
      if (!installed[i]) missing.add(pkg);
    });
    if (!(await onPath(tool.bin))) missing.add(tool.packages[0] ?? tool.bin);
  }
  return [...missing];
}

const versions = new Map<ToolName, Promise<string>>();

/** The tool's version for cache keys: its Debian package version, else its own --version line. */
export function toolVersion(name: ToolName): Promise<string> {
  let version = versions.get(name);
  if (!version) {
    const tool: Tool = TOOLS[name];
    version = (async () => {
      const pkg = tool.packages[0];
      const fromDebian = pkg ? await debianVersion(pkg) : undefined;
      if (fromDebian) return `${pkg}-${fromDebian}`;
      const result = await runCommand(tool.bin, ["--version"], { timeoutMs: 30_000 });
      return (result.stdout.toString() || result.stderr).trim().split("\n")[0] ?? "unknown";
    })();
    versions.set(name, version);
  }
  return version;
}

async function debianVersion(pkg: string): Promise<string | undefined> {
  try {
    // biome-ignore lint/suspicious/noTemplateCurlyInString: dpkg-query's own field syntax
    const result = await runCommand("dpkg-query", ["-W", "-f=${Status}|${Version}", pkg], {
      timeoutMs: 30_000,
    });
    const [status, version] = result.stdout.toString().split("|");
    return result.code === 0 && status?.endsWith(" installed") ? version : undefined;
  } catch {
    return undefined;
  }
}

async function onPath(bin: string): Promise<boolean> {
  for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
    try {
      await access(path.join(dir, bin), constants.X_OK);
      return true;
    } catch {
      // not in this directory
    }
  }
  return false;
}
