// Pieces both encoders share: the string dictionary, where an arena lives (Region, Allocator),
// reusable scratch arrays and the resource-column lookup.

/**
 * Strings to dense ids. A child dictionary answers unknown strings with ids no node carries.
 * `sorted` (strictly increasing) have the ids 0..n-1 without being hashed: the cluster's node
 * names, found by binary search, since hashing thousands of names costs more than the encoding.
 */
export class Dict {
  private readonly ids = new Map<string, number>();
  constructor(
    private readonly parent: Dict | null = null,
    private readonly sorted: readonly string[] = [],
  ) {}
  get size(): number {
    return (this.parent?.size ?? 0) + this.sorted.length + this.ids.size;
  }
  id(s: string): number {
    let v = this.lookup(s);
    if (v === undefined) {
      v = this.size;
      this.ids.set(s, v);
    }
    return v;
  }
  lookup(s: string): number | undefined {
    if (this.parent !== null) {
      const p = this.parent.lookup(s);
      if (p !== undefined) return p;
    }
    const v = this.ids.get(s);
    if (v !== undefined || this.sorted.length === 0) return v;
    let lo = 0;
    let hi = this.sorted.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const m = this.sorted[mid] as string;
      if (m === s) return (this.parent?.size ?? 0) + mid;
      if (m < s) lo = mid + 1;
      else hi = mid - 1;
    }
    return undefined;
  }
}

/** Where an arena lives: a plain ArrayBuffer (js engine) or a block of wasm memory. */
export interface Region {
  readonly base: number;
  readonly bytes: number;
  /** The buffer to view now; for wasm memory this changes when memory grows. */
  buffer(): ArrayBuffer;
}

export interface Allocator {
  alloc(bytes: number): Region;
  release(region: Region): void;
}

export const strCmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * A growable Int32Array reused from call to call: a fresh typed array of tens of kilobytes costs
 * more (allocation, zeroing, collection) than the work done in it. Valid until the next take().
 */
export class Scratch {
  private buf = new Int32Array(0);
  take(n: number): Int32Array {
    if (this.buf.length < n) this.buf = new Int32Array(Math.max(n, 2 * this.buf.length));
    return this.buf.subarray(0, n);
  }
}

/** Resource columns of a names list; remembers the last list (nodes share them). -1: not encoded. */
export class Columns {
  private last: readonly string[] | null = null;
  private cols: number[] = [];
  constructor(private readonly index: Map<string, number>) {}
  of(names: readonly string[]): number[] {
    if (names !== this.last) {
      this.last = names;
      this.cols = names.map((n) => this.index.get(n) ?? -1);
    }
    return this.cols;
  }
}
