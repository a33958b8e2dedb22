import { existsSync } from "node:fs";
import puppeteer, { type Browser } from "puppeteer-core";

/**
 * Debian's Chromium, headless, for tests that look at a page as a reviewer would. It talks to the
 * test over a pipe (no debugging port), and the tests open only file:// pages, so nothing listens
 * or leaves the machine. `.ci/run` installs the package.
 */
export const CHROMIUM_BINARY = process.env.SECURE_MLOPS_CHROMIUM ?? "/usr/bin/chromium";

export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_BINARY)) throw new Error(`${CHROMIUM_BINARY} is missing: apt-get install chromium (.ci/run does)`);
  return puppeteer.launch({
    executablePath: CHROMIUM_BINARY,
    headless: true,
    pipe: true,
    // Chromium refuses its sandbox to root (CI runs as root); the pages are the project's own files.
    args: [...(process.getuid?.() === 0 ? ["--no-sandbox"] : []), "--no-first-run", "--disable-gpu", "--disable-dev-shm-usage", "--disable-extensions"],
    timeout: 60_000,
  });
}
