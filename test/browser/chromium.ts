// Debian's chromium for the browser suites, driven by playwright-core (never a browser playwright
// downloads). Present: a fresh profile per launch with the flags that work as root on a machine
// with no outside network. Absent: the suites skip with a message, except in CI, where .ci/run
// installs it and its absence is a failure.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { type BrowserContext, chromium } from "playwright-core";

export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const present = existsSync(CHROMIUM);
export const ci = process.env.CI === "true";

const FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

if (!present && !ci)
  console.warn(
    `[browser] skipped: no chromium at ${CHROMIUM} (apt-get install chromium, as .ci/run does; or set CHROMIUM_PATH)`,
  );

/** A persistent context on a fresh --user-data-dir under `dir`. */
export function launch(dir: string, viewport = { width: 1500, height: 960 }): Promise<BrowserContext> {
  return chromium.launchPersistentContext(join(dir, "chromium"), {
    executablePath: CHROMIUM,
    args: FLAGS,
    viewport,
  });
}
