// Go's time.ParseDuration, which metav1.Duration uses for `terminationDelay`: a sequence of decimal
// numbers with units ns, us, µs, ms, s, m, h, optionally signed ("4h", "1m30s", "-1.5h", "0").

const unitNs: Record<string, number> = {
  ns: 1,
  us: 1e3,
  µs: 1e3,
  μs: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
};

/** Nanoseconds, or undefined when `s` is not a Go duration. */
export function parseGoDuration(s: string): number | undefined {
  let rest = s;
  let sign = 1;
  if (rest.startsWith("-") || rest.startsWith("+")) {
    if (rest[0] === "-") sign = -1;
    rest = rest.slice(1);
  }
  if (rest === "0") return 0;
  if (rest === "") return undefined;
  let total = 0;
  const re = /^(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/;
  while (rest.length > 0) {
    const m = re.exec(rest);
    if (!m) return undefined;
    const n = Number(m[1]);
    const unit = unitNs[m[2] as string];
    if (unit === undefined || !Number.isFinite(n)) return undefined;
    total += n * unit;
    rest = rest.slice(m[0].length);
  }
  return sign * total;
}
