// Scale-in victim order (grove-behaviour.md §12.3, grove-api.md §15.6): sort ascending, delete the
// first N. Each criterion is compared only when all earlier ones tie.
import { LabelPodTemplateHash } from "@grove-ts/api";
import type { Pod } from "../kube-types.js";
import { isPodReady, isTerminating } from "../util.js";

const phaseRank = (phase: string | undefined): number =>
  phase === "Pending" ? 1 : phase === "Unknown" ? 2 : phase === "Running" ? 3 : 0;

const created = (p: Pod): number =>
  p.metadata.creationTimestamp ? Date.parse(p.metadata.creationTimestamp) : Number.NEGATIVE_INFINITY;

/** Compares two pods for deletion: negative when `a` goes first. `expectedHash` is the current template hash. */
export function compareForDeletion(a: Pod, b: Pod, expectedHash: string | undefined): number {
  const keys: ((p: Pod) => number)[] = [
    (p) => (isTerminating(p) ? 0 : 1),
    (p) => (p.spec?.nodeName ? 1 : 0),
    (p) => phaseRank(p.status?.phase),
    (p) => (isPodReady(p) ? 1 : 0),
    (p) => (expectedHash !== undefined && p.metadata.labels?.[LabelPodTemplateHash] !== expectedHash ? 0 : 1),
  ];
  for (const k of keys) {
    const d = k(a) - k(b);
    if (d !== 0) return d;
  }
  // Zero timestamps first, then newer before older.
  const ca = created(a);
  const cb = created(b);
  if (ca === cb) return (a.metadata.name ?? "").localeCompare(b.metadata.name ?? "");
  if (ca === Number.NEGATIVE_INFINITY) return -1;
  if (cb === Number.NEGATIVE_INFINITY) return 1;
  return cb - ca;
}

/** The `count` pods to delete, in deletion order. */
export function selectVictims(pods: readonly Pod[], count: number, expectedHash: string | undefined): Pod[] {
  return [...pods].sort((a, b) => compareForDeletion(a, b, expectedHash)).slice(0, Math.max(0, count));
}
