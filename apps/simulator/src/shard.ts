// Sharding a cluster file's nodes over several `grove-sim nodes` processes (`--shard I/N`): node
// `name` belongs to shard 1 + (FNV-1a-32(name) mod N). The hash depends on the name alone, so every
// process agrees without talking to the others, a node keeps its shard across restarts, and a node
// deleted through the API is still known to be one process's (its pods' NodeLost is reported once).

/** One share of a cluster's nodes: `index` of `count`, 1-based as `--shard 1/3`. */
export interface Shard {
  index: number;
  count: number;
}

/** Parses `I/N` (1 <= I <= N <= 1024); the error names the flag and the rule. */
export function parseShard(v: string, flag = "--shard"): Shard {
  const m = /^(\d+)\/(\d+)$/.exec(v);
  const index = m ? Number(m[1]) : Number.NaN;
  const count = m ? Number(m[2]) : Number.NaN;
  if (!m || count < 1 || count > 1024 || index < 1 || index > count)
    throw new RangeError(
      `${flag}: must be I/N with 1 <= I <= N <= 1024 (this process's share of N), got ${JSON.stringify(v)}`,
    );
  return { index, count };
}

/** FNV-1a, 32 bits, over the UTF-16 code units of `s`: stable across processes and versions. */
function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** Whether node `name` is simulated by `shard` (every node is when there is no shard). */
export function inShard(name: string, shard: Shard | undefined): boolean {
  return shard === undefined || shard.count === 1 || (fnv1a(name) % shard.count) + 1 === shard.index;
}

export const shardText = (s: Shard) => `${s.index}/${s.count}`;
