// The command line: kubectl's flags for choosing a cluster and namespace (--kubeconfig, --context,
// -n/--namespace, -A/--all-namespaces, -o/--output json), one command word, its arguments, and a
// --help per command.
import { parseArgs } from "node:util";
import { PluginError } from "../cluster.js";

export const COMMANDS = ["tree", "why", "top", "explain-placement"] as const;
export type Command = (typeof COMMANDS)[number];

export interface Options {
  command: Command | undefined;
  args: string[];
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  allNamespaces: boolean;
  output: "text" | "json";
  resource: string;
  help: boolean;
}

const FLAGS = `Flags (kubectl's):
  --kubeconfig FILE      the kubeconfig to use (default: $KUBECONFIG, else ~/.kube/config)
  --context NAME         a kubeconfig context other than the current one
  -n, --namespace NS     the namespace (default: the context's, else "default")
  --all-namespaces, -A   every namespace
  -o, --output FORMAT    "json" prints the result as JSON instead of text
  -h, --help             this help`;

export const HELP: Record<Command | "main", string> = {
  main: `usage: kubectl grove COMMAND [ARGS] [flags]

See Grove workloads the way the gang scheduler sees them.

Commands:
  tree [PCS]                      PodCliqueSet > PodCliqueScalingGroup > PodClique > pods, each pod
                                  with its state, node and topology domains
  why KIND NAME                   what holds an object (KIND: pcs, pcsg, pclq, podgang, pod)
  top [--resource R]              a resource (GPUs by default) per topology domain, and fragmentation
  explain-placement PODGANG       the domains a gang holds per level and the alternatives rejected

Run "kubectl grove COMMAND --help" for a command's details.

${FLAGS}`,
  tree: `usage: kubectl grove tree [PCS] [flags]

Prints every PodCliqueSet of the namespace (or only PCS) as a tree: PodCliqueSet, its
PodCliqueScalingGroups, their PodCliques and the pods of each, a pod with its state (Running/Ready,
Pending (Unschedulable), SchedulingGated, Init:0/1, ...), its node and the node's domain at every
level of the ClusterTopologyBinding (zone=..., rack=...).

${FLAGS}`,
  why: `usage: kubectl grove why KIND NAME [flags]

KIND is pcs, pcsg, pclq, podgang or pod (kubectl's long names work too). Prints what holds the
object, each finding from what the cluster records: the scheduler's verdict (the PodGang's
Scheduled=False message, the pods' PodScheduled=False messages, FailedScheduling and other Warning
Events), scheduling gates, startup ordering (startsAfter PodCliques not ready, pods waiting in the
grove-initc init container) and gang termination timers (MinAvailableBreached since when, and when
terminationDelay runs out). "nothing holds it" when there is none.

${FLAGS}`,
  top: `usage: kubectl grove top [--resource RESOURCE] [flags]

Allocated and capacity of RESOURCE (default nvidia.com/gpu) per domain of every topology level,
from the nodes' allocatable and the requests of the pods bound to them; then its fragmentation per
level: domains wholly free and the free units in them, against partly used domains and the free
units scattered over them, and the largest free amount in one domain.

  --resource RESOURCE    the resource to count (default nvidia.com/gpu; e.g. cpu)

${FLAGS}`,
  "explain-placement": `usage: kubectl grove explain-placement PODGANG [flags]

The domains the PodGang's bound pods hold at every topology level, and the alternatives at the
level its topology constraint decides on (required, else preferred, else the narrowest level all
its pods share): every other domain of that level, checked with the placement solver against the
cluster as it is now (the gang's own pods taken out), fits or rejected with the solver's reason.
The scheduler records no alternatives itself; pod affinity and spread are not part of the check.

${FLAGS}`,
};

export function parseOptions(argv: string[]): Options {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new PluginError(`${(err as Error).message} (see kubectl grove --help)`);
  }
  const { values, positionals } = parsed;
  const [word, ...args] = positionals;
  if (word !== undefined && !(COMMANDS as readonly string[]).includes(word))
    throw new PluginError(
      `unknown command ${JSON.stringify(word)}: one of ${COMMANDS.join(", ")} (see kubectl grove --help)`,
    );
  const output = values.output ?? "text";
  if (output !== "json" && output !== "text")
    throw new PluginError(
      `--output: ${JSON.stringify(output)} is not supported: json (or leave it out for text)`,
    );
  if (values["all-namespaces"] && values.namespace)
    throw new PluginError("--namespace and --all-namespaces: give one at most");
  return {
    command: word as Command | undefined,
    args,
    ...(values.kubeconfig ? { kubeconfig: values.kubeconfig } : {}),
    ...(values.context ? { context: values.context } : {}),
    ...(values.namespace ? { namespace: values.namespace } : {}),
    allNamespaces: values["all-namespaces"] === true,
    output,
    resource: values.resource ?? "nvidia.com/gpu",
    help: values.help === true,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      kubeconfig: { type: "string" },
      context: { type: "string" },
      namespace: { type: "string", short: "n" },
      "all-namespaces": { type: "boolean", short: "A" },
      output: { type: "string", short: "o" },
      resource: { type: "string" },
      help: { type: "boolean", short: "h" },
    },
  });
}
