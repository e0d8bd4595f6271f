// grove-initc's command line, as Grove's init container takes it (operator/initc/cmd/opts): the
// parents come as `--podcliques=<parent PodClique FQN>:<minAvailable>`, one flag per parent (pflag
// StringArray, short `-p`; `--podcliques V`, `-p V`, `-p=V` and `-pV` all work). As upstream: values
// are trimmed, empty ones skipped, a repeated name keeps its last count.

export const DEFAULT_POD_INFO_DIR = "/var/grove/pod-info";

export const USAGE = `Usage: grove-initc --podcliques=<parentPodCliqueFQN>:<minAvailable> [--podcliques=...]
                   [--pod-info-dir DIR] [--kubeconfig PATH] [--log-level LEVEL]

Waits until every parent PodClique has at least minAvailable Ready pods in this pod's PodGang,
then exits 0. Exits 1 on bad arguments or errors.

  -p, --podcliques NAME:COUNT  a parent PodClique's FQN and its minAvailable (an integer > 0); repeat per parent
  --pod-info-dir DIR           where the downward-API files namespace and podgangname are (default ${DEFAULT_POD_INFO_DIR})
  --kubeconfig PATH            use this kubeconfig instead of the pod's service account (in-cluster)
  --log-level LEVEL            debug, info, warn, error (default info)
  -h, --help                   this text
`;

export class UsageError extends Error {
  readonly code = "Usage";
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

export type LogLevel = "debug" | "info" | "warn" | "error";

export interface InitcOptions {
  /** Parent PodClique FQN -> minAvailable. */
  parents: Map<string, number>;
  podInfoDir: string;
  kubeconfigPath?: string;
  logLevel: LogLevel;
  help: boolean;
  /** Positional arguments: pflag accepts and ignores them, so do we (the caller logs them). */
  ignored: string[];
}

// Go's strconv.Atoi: an optional sign and decimal digits, within int64.
const ATOI = /^[+-]?[0-9]+$/;

/** Parses one `name:count` value; undefined for an empty value (skipped, as upstream). */
export function parsePodClique(value: string): { name: string; minAvailable: number } | undefined {
  const pair = value.trim();
  if (pair === "") return undefined;
  const parts = pair.split(":");
  const rule = "must be name:count (a PodClique FQN, a colon, an integer > 0)";
  if (parts.length !== 2)
    throw new UsageError(
      `--podcliques ${JSON.stringify(value)}: ${rule}; found ${parts.length} value(s) separated by ':'`,
    );
  const name = (parts[0] ?? "").trim();
  const countText = (parts[1] ?? "").trim();
  const count = ATOI.test(countText) ? Number(countText) : Number.NaN;
  if (!Number.isSafeInteger(count))
    throw new UsageError(
      `--podcliques ${JSON.stringify(value)}: ${rule}; count ${JSON.stringify(countText)} is not an integer`,
    );
  if (count <= 0)
    throw new UsageError(`--podcliques ${JSON.stringify(value)}: ${rule}; count ${count} is not > 0`);
  if (name === "") throw new UsageError(`--podcliques ${JSON.stringify(value)}: ${rule}; the name is empty`);
  return { name, minAvailable: count };
}

const LEVELS: readonly LogLevel[] = ["debug", "info", "warn", "error"];

export function parseArgs(argv: readonly string[]): InitcOptions {
  const out: InitcOptions = {
    parents: new Map(),
    podInfoDir: DEFAULT_POD_INFO_DIR,
    logLevel: "info",
    help: false,
    ignored: [],
  };
  const podcliques: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? "";
    if (arg === "--") {
      out.ignored.push(...argv.slice(i + 1));
      break;
    }
    let flag: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      flag = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (arg.startsWith("-") && arg.length > 1) {
      // Shorthands: -p VALUE, -p=VALUE, -pVALUE, -h.
      const short = arg[1];
      flag = short === "p" ? "podcliques" : short === "h" ? "help" : `-${short}`;
      const rest = arg.slice(2);
      if (rest !== "") inline = rest.startsWith("=") ? rest.slice(1) : rest;
      if (flag === `-${short}`)
        throw new UsageError(`unknown shorthand flag: ${JSON.stringify(short)} in ${arg}`);
    } else {
      out.ignored.push(arg);
      continue;
    }
    const value = (): string => {
      if (inline !== undefined) return inline;
      const next = argv[i + 1];
      if (next === undefined) throw new UsageError(`--${flag}: needs a value`);
      i++;
      return next;
    };
    switch (flag) {
      case "podcliques":
        podcliques.push(value());
        break;
      case "pod-info-dir": {
        const v = value();
        if (v === "") throw new UsageError("--pod-info-dir: must not be empty");
        out.podInfoDir = v;
        break;
      }
      case "kubeconfig": {
        const v = value();
        if (v === "") throw new UsageError("--kubeconfig: must not be empty");
        out.kubeconfigPath = v;
        break;
      }
      case "log-level": {
        const v = value();
        if (!LEVELS.includes(v as LogLevel))
          throw new UsageError(`--log-level: must be one of ${LEVELS.join(", ")}, got ${JSON.stringify(v)}`);
        out.logLevel = v as LogLevel;
        break;
      }
      case "help":
        out.help = true;
        break;
      default:
        throw new UsageError(`unknown flag: --${flag}`);
    }
  }
  for (const v of podcliques) {
    const p = parsePodClique(v);
    if (p) out.parents.set(p.name, p.minAvailable);
  }
  return out;
}
