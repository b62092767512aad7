import { type Browser, chromium } from "playwright-core";

/**
 * Debian's chromium (`apt-get install chromium`), driven by playwright-core; never a
 * downloaded browser. Headless, without the sandbox (containers run as root).
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
  });
}
