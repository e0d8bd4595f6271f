// Every workspace's vitest setup file (setupFiles in each vitest.config.ts).
//
// A MaxListenersExceededWarning means a listener is added per request, watch or wait and never
// removed: a leak in a long-running server or operator (issue 12). Node only prints it, once per
// target, and the run stays green; here it fails the test (or, from a hook, the file) it showed up
// in, with the stack of the call that added the eleventh listener.
import { afterAll, afterEach } from "vitest";

// Taken before any test can install fake timers.
const realSetImmediate = globalThis.setImmediate;
const FAILING = new Set(["MaxListenersExceededWarning"]);
const seen: Error[] = [];
const onWarning = (w: Error): void => {
  if (FAILING.has(w.name)) seen.push(w);
};
process.on("warning", onWarning);

async function failOnWarnings(): Promise<void> {
  // Node emits the event on a later tick than the listener that triggered it was added.
  await new Promise((resolve) => realSetImmediate(resolve));
  if (seen.length === 0) return;
  const ws = seen.splice(0);
  throw new Error(
    `${ws.length} listener leak warning(s) (each listener must be removed when its request, watch or wait ends):\n` +
      ws.map((w) => w.stack ?? `${w.name}: ${w.message}`).join("\n"),
  );
}

afterEach(failOnWarnings);
afterAll(async () => {
  await failOnWarnings().finally(() => process.off("warning", onWarning));
});
