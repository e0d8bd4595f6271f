// Where ../shared (the specification and Grove's fixtures) is, when it is there at all. A user's
// clone has no ../shared: suites that need it skip with a visible message instead of failing.
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const sharedDir = process.env.GROVE_SHARED_DIR ?? resolve(repoRoot, "../shared");
export const fixturesDir = join(sharedDir, "grove-fixtures");
export const haveFixtures = existsSync(fixturesDir);

/** Call at the top of a suite that reads the fixtures; prints why it skips when they are absent. */
export function noteMissingFixtures(suite: string): boolean {
  if (!haveFixtures)
    console.warn(`[${suite}] skipped: Grove fixtures not found at ${fixturesDir} (set GROVE_SHARED_DIR)`);
  return !haveFixtures;
}
