// Deterministic pod-template and PodCliqueSet generation hashes (grove-api.md §18.13). Upstream hashes
// Go's dump.ForHash text, which a TypeScript port cannot reproduce; what matters is that the PCS
// generation hash, the PCLQ label and the pod label agree. So: FNV-1a 64 over a canonical JSON
// (object keys sorted, undefined dropped), printed in decimal and mapped through Kubernetes'
// rand.SafeEncodeString alphabet (no vowels, no look-alike characters).
import type { PodCliqueSet, PodCliqueTemplateSpec } from "./types.js";

const FNV64_OFFSET = 0xcbf29ce484222325n;
const FNV64_PRIME = 0x100000001b3n;
const MASK64 = 0xffffffffffffffffn;

/** FNV-1a, 64 bit, over the UTF-8 bytes of `text`. */
export function fnv64a(text: string): bigint {
  let h = FNV64_OFFSET;
  for (const byte of new TextEncoder().encode(text)) {
    h ^= BigInt(byte);
    h = (h * FNV64_PRIME) & MASK64;
  }
  return h;
}

const SAFE_ALPHANUMS = "bcdfghjklmnpqrstvwxz2456789";

/** Kubernetes' rand.SafeEncodeString: each character maps to SAFE_ALPHANUMS[code % 27]. */
export function safeEncodeString(s: string): string {
  let out = "";
  for (let i = 0; i < s.length; i++) out += SAFE_ALPHANUMS[s.charCodeAt(i) % SAFE_ALPHANUMS.length];
  return out;
}

/** JSON with object keys sorted at every level and undefined members dropped. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? "null" : canonicalJson(v))).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(",")}}`;
}

/** SafeEncodeString(decimal FNV-1a 64 of the canonical JSON of `value`). */
export function computeHash(value: unknown): string {
  return safeEncodeString(fnv64a(canonicalJson(value)).toString());
}

/** What a clique's pod template is made of; absent maps count as empty. */
const podTemplateInput = (clique: PodCliqueTemplateSpec, priorityClassName: string | undefined) => ({
  labels: clique.labels ?? {},
  annotations: clique.annotations ?? {},
  podSpec: clique.spec.podSpec,
  priorityClassName: priorityClassName ?? "",
});

/** `grove.io/pod-template-hash` of a clique: its labels, annotations, podSpec and the PCS priorityClassName. */
export function podTemplateHash(clique: PodCliqueTemplateSpec, priorityClassName?: string): string {
  return computeHash(podTemplateInput(clique, priorityClassName));
}

/** PCS `status.currentGenerationHash`: over all clique pod templates, in clique order, and the priorityClassName. */
export function podCliqueSetGenerationHash(pcs: PodCliqueSet): string {
  const pc = pcs.spec.template.priorityClassName;
  return computeHash({
    priorityClassName: pc ?? "",
    cliques: pcs.spec.template.cliques.map((c) => ({ name: c.name, ...podTemplateInput(c, pc) })),
  });
}
