// `npm start`: grove-sim with the default cluster, the example workloads of examples/ applied,
// a live progress line until their pods run, the PodCliqueSet > scaling group > clique > pod tree
// with each pod's node and topology domains, then kubectl hints; serves until Ctrl-C.
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { LabelPodCliqueScalingGroup } from "@grove-ts/api";
import { applyExamples } from "./demo-apply.js";
import { type ExampleSet, expectedPods, loadExamples, progress, renderTree } from "./demo-view.js";
import { closeOnSignal, parseUp, USAGE, up } from "./up.js";

const REPO_EXAMPLES = fileURLToPath(new URL("../../../../examples", import.meta.url));
const TIMEOUT_MS = 120_000;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const exIdx = argv.indexOf("--examples");
  const examplesDir = exIdx >= 0 ? resolve(argv[exIdx + 1] ?? "") : REPO_EXAMPLES;
  if (exIdx >= 0) argv.splice(exIdx, 2);
  let flags: ReturnType<typeof parseUp>;
  let ex: ExampleSet;
  try {
    // Pods turn Ready a second after Running unless told otherwise, so the progress line shows both.
    flags = parseUp([
      "up",
      ...(argv.some((a) => a.startsWith("--ready-delay")) ? [] : ["--ready-delay", "1000"]),
      ...argv,
    ]);
    if (flags === "help") {
      process.stdout.write(
        `${USAGE.replace("grove-sim up", "npm start --")}  --examples DIR             manifests to apply (default: examples/)\n`,
      );
      return;
    }
    ex = loadExamples(examplesDir);
  } catch (err) {
    process.stderr.write(`grove-sim demo: ${(err as Error).message}\n`);
    process.exit(2);
  }
  const sim = await up(flags);
  closeOnSignal(sim);
  process.stdout.write(`\nApplying ${ex.objects.length} example workloads from ${ex.dir}:\n`);
  await applyExamples(sim.client, ex, process.stdout);
  const want = expectedPods(ex);
  const done = await progress(sim.client, want, TIMEOUT_MS, process.stdout);
  process.stdout.write(`\n${await renderTree(sim.client, ex)}\n`);
  if (!done) process.stdout.write("Some pods did not become Ready in time; see kubectl describe pod.\n\n");
  const kc = sim.kubeconfigPath;
  const pcsg = ex.objects.find(
    (o) =>
      (o.obj as { spec?: { template?: { podCliqueScalingGroups?: unknown[] } } }).spec?.template
        ?.podCliqueScalingGroups?.length,
  );
  const pcsgName = pcsg
    ? `${pcsg.obj.metadata.name}-0-${(pcsg.obj as unknown as { spec: { template: { podCliqueScalingGroups: { name: string }[] } } }).spec.template.podCliqueScalingGroups[0]?.name}`
    : undefined;
  const first = ex.objects[0]?.obj.metadata.name ?? "agg";
  process.stdout.write(
    [
      `kubeconfig: ${kc}`,
      "",
      "Try:",
      `  export KUBECONFIG=${kc}`,
      "  kubectl get pcs,pcsg,pclq,podgang",
      `  kubectl get pods -o wide -L ${LabelPodCliqueScalingGroup}`,
      "  kubectl get nodes -L kubernetes.io/block,kubernetes.io/rack",
      ...(pcsgName ? [`  kubectl scale pcsg ${pcsgName} --replicas=3`] : []),
      `  kubectl scale pcs ${first} --replicas=2`,
      `  kubectl delete pcs ${first}`,
      "",
      "Serving until Ctrl-C.",
      "",
    ].join("\n"),
  );
}

await main();
