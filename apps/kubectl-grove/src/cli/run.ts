// One run of the plugin: the arguments in, the text to print out (or a PluginError). Reads the
// cluster once per run and renders text or, with -o json, the same result as JSON.
import { connect, PluginError, readSnapshot } from "../cluster.js";
import { buildExplanation, renderExplanation } from "../explain.js";
import { buildTop, renderTop } from "../top.js";
import { buildTree, renderTree } from "../tree.js";
import { buildWhy, renderWhy, WHY_KINDS, whyKind } from "../why.js";
import { HELP, type Options, parseOptions } from "./options.js";

function need(o: Options, n: number, what: string): void {
  if (o.args.length < n)
    throw new PluginError(`${o.command}: ${what} is required (see kubectl grove ${o.command} --help)`);
  if (o.args.length > n)
    throw new PluginError(
      `${o.command}: unexpected argument ${JSON.stringify(o.args[n])} (see kubectl grove ${o.command} --help)`,
    );
}

export async function run(argv: string[]): Promise<string> {
  const o = parseOptions(argv);
  if (o.help || !o.command) return `${HELP[o.command ?? "main"]}\n`;
  const print = <T>(data: T, text: (d: T) => string) =>
    o.output === "json" ? `${JSON.stringify(data, null, 2)}\n` : text(data);
  // Arguments are checked before the cluster is read.
  let kind: ReturnType<typeof whyKind>;
  if (o.command === "tree" && o.args.length > 1) need(o, 1, "PCS");
  if (o.command === "top") need(o, 0, "");
  if (o.command === "explain-placement") need(o, 1, "PODGANG");
  if (o.command === "why") {
    need(o, 2, "KIND NAME");
    kind = whyKind(o.args[0] as string);
    if (!kind)
      throw new PluginError(`why: unknown kind ${JSON.stringify(o.args[0])}: one of ${WHY_KINDS.join(", ")}`);
  }
  const snap = await readSnapshot(connect(o));
  switch (o.command) {
    case "tree": {
      const trees = buildTree(snap, o.args[0]);
      if (o.args[0] && trees.length === 0)
        throw new PluginError(
          `PodCliqueSet ${JSON.stringify(o.args[0])} not found in ${snap.namespace ? `namespace ${JSON.stringify(snap.namespace)}` : "any namespace"}`,
        );
      return print(trees, renderTree);
    }
    case "why":
      return print(buildWhy(snap, kind as NonNullable<typeof kind>, o.args[1] as string), renderWhy);
    case "top":
      return print(buildTop(snap, o.resource), renderTop);
    case "explain-placement":
      return print(buildExplanation(snap, o.args[0] as string), renderExplanation);
  }
}
