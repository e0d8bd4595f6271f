import highsModule, { type Highs } from "highs";

// highs ships one types.d.ts for its CommonJS and ESM builds; under NodeNext TypeScript reads the
// default import as the CommonJS namespace, while Node's ESM build hands the loader itself.
const loadHighs = ((highsModule as unknown as { default?: unknown }).default ??
  highsModule) as () => Promise<Highs>;

let highsPromise: Promise<Highs> | undefined;

/** One HiGHS runtime per process: loading the WASM module is the expensive part. */
export function highs(): Promise<Highs> {
  if (highsPromise === undefined) highsPromise = loadHighs();
  return highsPromise;
}

/**
 * A small row-wise MILP builder over the structured HiGHS API (no LP text to parse, no name
 * length limits). Columns are added first, rows refer to them by index.
 */
export class Milp {
  private readonly lower: number[] = [];
  private readonly upper: number[] = [];
  private readonly cost: number[] = [];
  private readonly integer: number[] = [];
  private readonly rowLower: number[] = [];
  private readonly rowUpper: number[] = [];
  private readonly starts: number[] = [0];
  private readonly indices: number[] = [];
  private readonly values: number[] = [];

  get columns(): number {
    return this.cost.length;
  }

  get rows(): number {
    return this.rowLower.length;
  }

  column(lower: number, upper: number, cost: number, integer = true): number {
    this.lower.push(lower);
    this.upper.push(upper);
    this.cost.push(cost);
    this.integer.push(integer ? 1 : 0);
    return this.cost.length - 1;
  }

  /** lower <= sum(coef * x[col]) <= upper; duplicate columns in one row are summed. */
  row(entries: ReadonlyArray<readonly [number, number]>, lower: number, upper: number): void {
    const merged = new Map<number, number>();
    for (const [col, coef] of entries) merged.set(col, (merged.get(col) ?? 0) + coef);
    for (const [col, coef] of [...merged].sort((a, b) => a[0] - b[0])) {
      if (coef === 0) continue;
      this.indices.push(col);
      this.values.push(coef);
    }
    this.starts.push(this.indices.length);
    this.rowLower.push(lower);
    this.rowUpper.push(upper);
  }

  /**
   * `mipRelGap` (default 0: prove the optimum) lets a caller that only needs a feasible point stop
   * early; the returned `optimal` then means "within that gap".
   */
  async solve(
    sense: "max" | "min",
    options: { timeLimitSeconds: number; mipRelGap?: number },
  ): Promise<MilpSolution> {
    const h = await highs();
    const started = performance.now();
    const model = h.createModel({
      numCols: this.columns,
      numRows: this.rows,
      sense: sense === "max" ? h.constants.objectiveSense.maximize : h.constants.objectiveSense.minimize,
      colCost: this.cost,
      colLower: this.lower,
      colUpper: this.upper,
      rowLower: this.rowLower.map((v) => (v === Number.NEGATIVE_INFINITY ? -h.infinity : v)),
      rowUpper: this.rowUpper.map((v) => (v === Number.POSITIVE_INFINITY ? h.infinity : v)),
      matrix: {
        format: "csr",
        numRows: this.rows,
        numCols: this.columns,
        starts: this.starts,
        indices: this.indices,
        values: this.values,
      },
      integrality: this.integer as (0 | 1)[],
    });
    try {
      model.options.set({
        output_flag: false,
        time_limit: options.timeLimitSeconds,
        mip_rel_gap: options.mipRelGap ?? 0,
        mip_abs_gap: 0.5,
      });
      model.run();
      const status = model.getModelStatus();
      const optimal = status === h.constants.modelStatus.optimal;
      const infeasible = status === h.constants.modelStatus.infeasible;
      const solution = model.getSolution();
      const values = Array.from(solution.colValue ?? [], (v) => Math.round(v));
      const objective = values.length === this.columns ? model.getObjectiveValue() : Number.NaN;
      const bound = Number(model.info.get("mip_dual_bound") as number);
      return {
        optimal,
        infeasible,
        status:
          Object.entries(h.constants.modelStatus).find(([, code]) => code === status)?.[0] ?? String(status),
        values,
        objective,
        bound: Number.isFinite(bound) ? bound : objective,
        seconds: (performance.now() - started) / 1000,
      };
    } finally {
      model.dispose();
    }
  }
}

export interface MilpSolution {
  /** HiGHS proved optimality (within an absolute gap of 0.5 on an integer objective). */
  optimal: boolean;
  /** HiGHS proved that no solution exists. */
  infeasible: boolean;
  status: string;
  /** Column values rounded to integers; empty when no feasible solution was found. */
  values: number[];
  objective: number;
  /** Best proven bound on the objective (upper for max, lower for min). */
  bound: number;
  seconds: number;
}
