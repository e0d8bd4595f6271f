// The pods of one PodCliqueSet (`app.kubernetes.io/part-of=<pcs>`) as the bench sees them: one list,
// then a watch (a SharedInformer), so the milestones and the sampled timeline read a local view
// instead of listing every pod of the test each time they look.
//
// Why: until 2026-12-07 every milestone poll (every 100 ms) and every timeline sample (500 ms) was a
// full list. On the real control plane at 1,000 pods that was ~13% of kube-apiserver's CPU (list
// encoding and gzip) and a third of the bench process's (JSON parse and gunzip), on the same two
// cores as the system under test. A watch costs one event per pod change, which the API server
// encodes once for all its watchers. A milestone now holds when its event reaches the bench rather
// than at the next poll.
import { LabelPartOf } from "@grove-ts/api";
import { type Client, type KubeObject, PodType, SharedInformer } from "@grove-ts/runtime";

export type ScalePod = KubeObject & {
  spec?: { schedulingGates?: unknown[]; nodeName?: string };
  status?: { conditions?: { type: string; status: string }[] };
};

export interface PodView {
  /** The pods the watch has delivered so far (frozen; one array per call). */
  pods(): ScalePod[];
  stop(): Promise<void>;
}

/** The label selector of every object Grove makes for `pcs`. */
export const partOf = (pcs: string) => `${LabelPartOf}=${pcs}`;

/** Lists and watches the pods of `pcs`; resolves once the first list is in. */
export async function watchPods(client: Client, namespace: string, pcs: string): Promise<PodView> {
  const informer = new SharedInformer<ScalePod>(client, PodType, { namespace, labelSelector: partOf(pcs) });
  informer.start();
  try {
    await informer.waitForSync();
  } catch (err) {
    await informer.stop();
    throw err;
  }
  return {
    pods: () => informer.cache.list(),
    stop: () => informer.stop(),
  };
}
