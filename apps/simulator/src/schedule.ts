// Timed steps of a cluster file (faults, load): each runs `at` seconds after the start, one after
// another, a failed step logged and the next ones still run.
import type { Logger } from "@grove-ts/runtime";

/** Runs `apply` for each step at its `at` (seconds); returns the stop function. */
export function runOnSchedule<S extends { at: number }>(
  what: string,
  steps: readonly S[],
  describe: (step: S) => Record<string, unknown>,
  apply: (step: S) => Promise<void>,
  log: Logger,
): () => Promise<void> {
  const timers: ReturnType<typeof setTimeout>[] = [];
  let running: Promise<void> = Promise.resolve();
  let stopped = false;
  for (const [i, step] of steps.entries()) {
    const t = setTimeout(() => {
      if (stopped) return;
      log.info(`scheduled ${what}`, { [what]: i, at: step.at, ...describe(step) });
      running = running.then(() =>
        apply(step).catch((err) => log.warn(`scheduled ${what} failed`, { [what]: i, error: err })),
      );
    }, step.at * 1000);
    t.unref?.();
    timers.push(t);
  }
  return async () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
    await running;
  };
}
