// The grove-validate command: options, output lines and exit status. Exit 0 when every object is
// valid, 1 when any object is invalid (or not a Grove object), 2 when some input cannot be read or parsed.

import { parseArgs } from "node:util";
import { DefaultEnabledSchedulers, type ValidationOptions } from "../validation/options.js";
import {
  checkDocument,
  type Document,
  type ObjectReport,
  readDocuments,
  topologyLookup,
  toYamlStream,
  UnreadableInputError,
} from "./validate-files.js";

export const usage = `Usage: grove-validate [options] FILE...

Checks Grove manifests (multi-document YAML or JSON; "-" reads standard input) the way Grove's API
server and admission webhooks would: structure (unknown fields, types, required keys), Grove's
defaults, then Grove's validation rules (docs/api-reference.md lists every field with its type and
default). Prints one line per problem:

  FILE: Kind/name: field.path: message

A field the schema does not know is printed alone, as kube-apiserver's strict field validation
words it (FILE: Kind/name: unknown field "spec.template.cliques[0].spec.replica"): the server
refuses such an object before any other check, and what else looks wrong mostly follows from it.
An error the schema and the admission rules both find (a duplicate clique name) is printed once.

Exit status: 0 all objects valid, 1 some object invalid or not a Grove object, 2 unreadable input.

Options:
  --print-defaulted        print the defaulted objects as multi-document YAML on stdout
                           (error lines then go to stderr)
  --scheduler NAME         enable one more scheduler backend (repeatable), e.g. volcano or
                           lpx-scheduler; enabled by default: default-scheduler, kai-scheduler,
                           grove-scheduler
  --schedulers LIST        the enabled backends, comma-separated, replacing the default set
                           (default-scheduler is always enabled, as in Grove)
  --default-scheduler NAME backend for pods without schedulerName (default: default-scheduler)
  --no-topology-aware      topology-aware scheduling disabled: topology constraints are rejected
  --mnnvl                  network.autoMNNVLEnabled: allow grove.io/mnnvl-group groups
  --topology FILE          ClusterTopologyBinding objects to check topologyName and domains against
                           (repeatable); ClusterTopologyBindings in the input files are used too.
                           Without any, the lookups are skipped.
  --ignore-non-grove       skip objects that are not Grove kinds instead of counting them invalid
  -h, --help               show this help
`;

interface Cli {
  files: string[];
  printDefaulted: boolean;
  ignoreNonGrove: boolean;
  topologyFiles: string[];
  options: ValidationOptions;
}

class UsageError extends Error {
  readonly code = "Usage";
}

function parse(argv: string[]): Cli | "help" {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        help: { type: "boolean", short: "h" },
        "print-defaulted": { type: "boolean" },
        scheduler: { type: "string", multiple: true },
        schedulers: { type: "string" },
        "default-scheduler": { type: "string" },
        "no-topology-aware": { type: "boolean" },
        mnnvl: { type: "boolean" },
        topology: { type: "string", multiple: true },
        "ignore-non-grove": { type: "boolean" },
      },
    });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (parsed.positionals.length === 0) throw new UsageError("no input files (use - for standard input)");
  const options: ValidationOptions = {
    topologyAwareScheduling: !v["no-topology-aware"],
    autoMNNVLEnabled: Boolean(v.mnnvl),
  };
  const only = v.schedulers as string | undefined;
  const extra = (v.scheduler as string[] | undefined) ?? [];
  if (only !== undefined || extra.length > 0) {
    const base =
      only !== undefined
        ? only
            .split(",")
            .map((x) => x.trim())
            .filter((x) => x)
        : [...DefaultEnabledSchedulers];
    options.enabledSchedulers = [...new Set([...base, ...extra])];
  }
  const def = v["default-scheduler"] as string | undefined;
  if (def) options.defaultScheduler = def;
  return {
    files: parsed.positionals,
    printDefaulted: Boolean(v["print-defaulted"]),
    ignoreNonGrove: Boolean(v["ignore-non-grove"]),
    topologyFiles: (v.topology as string[] | undefined) ?? [],
    options,
  };
}

export interface Io {
  out: (line: string) => void;
  err: (line: string) => void;
  readStdin?: () => string;
}

/** Runs the command; returns the exit status. */
export function main(argv: string[], io: Io): number {
  let cli: Cli | "help";
  try {
    cli = parse(argv);
  } catch (e) {
    io.err(`grove-validate: ${(e as Error).message}`);
    io.err("Try 'grove-validate --help'.");
    return 2;
  }
  if (cli === "help") {
    io.out(usage.trimEnd());
    return 0;
  }
  let unreadable = false;
  const read = (file: string): Document[] => {
    try {
      return readDocuments(file, io.readStdin);
    } catch (e) {
      if (!(e instanceof UnreadableInputError)) throw e;
      io.err(e.message);
      unreadable = true;
      return [];
    }
  };
  const docs = cli.files.flatMap(read);
  const topologyDocs = cli.topologyFiles.flatMap(read);
  const ctbs = topologyLookup([...topologyDocs, ...docs]);
  if (ctbs.size > 0 || cli.topologyFiles.length > 0) {
    cli.options.getClusterTopologyBinding = (name) => ctbs.get(name);
  }

  const reports: ObjectReport[] = docs.map((d) => {
    try {
      return checkDocument(d, cli.options);
    } catch (e) {
      // A defect in a checker must not hide the other documents' results.
      return {
        file: d.file,
        line: d.line,
        ref: "<document>",
        grove: true,
        errors: [`internal error: ${(e as Error).message}`],
        warnings: [],
      };
    }
  });
  const errLine = cli.printDefaulted ? io.err : io.out;
  let invalid = 0;
  for (const r of reports) {
    if (!r.grove && cli.ignoreNonGrove) {
      io.err(`${r.file}: ${r.ref}: skipped: not a Grove object`);
      continue;
    }
    if (r.errors.length > 0) invalid++;
    for (const e of r.errors) errLine(`${r.file}: ${r.ref}: ${e}`);
    for (const w of r.warnings) io.err(`warning: ${r.file}: ${r.ref}: ${w}`);
  }
  if (cli.printDefaulted) {
    const objects = reports.filter((r) => r.grove).map((r) => r.defaulted);
    if (objects.length > 0) io.out(toYamlStream(objects).trimEnd());
  }
  if (unreadable) return 2;
  return invalid > 0 ? 1 : 0;
}
