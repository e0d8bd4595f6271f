// grove-sim plays NVIDIA's DRA driver for GPUs, its ComputeDomain half (k8s-dra-driver-gpu), on any
// API server that serves the ComputeDomain CRD: the DeviceClass compute-domain-default-channel.nvidia.com,
// a ResourceSlice of IMEX channels per node of an NVLink domain (owned by the Node), and per
// ComputeDomain the workload ResourceClaimTemplate its spec names (controlled by the ComputeDomain:
// deleted with it, and at once when the ComputeDomain starts terminating) and its status: the nodes
// its pods (the pods whose claims come from that template) are bound to, Ready once every one runs.
// Finalizers are not the driver's here: Grove's grove.io/computedomain-finalizer is the operator's.
// Objects of this shape are in compute-domain-objects.ts; this file converges.
import {
  type Client,
  Controller,
  DeviceClassType,
  deepEqual,
  isAlreadyExists,
  isNotFound,
  type KubeObject,
  type Logger,
  NodeType,
  noopLogger,
  PodType,
  ResourceClaimTemplateType,
  ResourceSliceType,
  SharedInformer,
} from "@grove-ts/runtime";
import {
  type ClaimingPod,
  type ComputeDomain,
  ComputeDomainType,
  channelDeviceClass,
  channelSlice,
  computeDomainStatus,
  podTemplates,
  type SimNode,
  templateNameOf,
  workloadClaimTemplate,
} from "./compute-domain-objects.js";

export interface ComputeDomainDriverOptions {
  logger?: Logger;
}

export interface ComputeDomainDriver {
  start(): Promise<void>;
  stop(): Promise<void>;
}

async function createIfAbsent(client: Client, type: typeof NodeType, obj: KubeObject): Promise<void> {
  try {
    await client.create(type, obj);
  } catch (err) {
    if (!isAlreadyExists(err)) throw err;
  }
}

/** Index of ComputeDomains and of pods by `<namespace>/<claim template name>`. */
const BY_TEMPLATE = "by-template";

export function createComputeDomainDriver(
  client: Client,
  options: ComputeDomainDriverOptions = {},
): ComputeDomainDriver {
  const log = (options.logger ?? noopLogger).with({ component: "compute-domain-driver-sim" });
  const cds = new SharedInformer<ComputeDomain>(client, ComputeDomainType, {
    logger: log,
    indexers: {
      [BY_TEMPLATE]: (cd) => {
        const t = templateNameOf(cd);
        return t ? [`${cd.metadata.namespace}/${t}`] : [];
      },
    },
  });
  const pods = new SharedInformer<ClaimingPod>(client, PodType, {
    logger: log,
    indexers: {
      [BY_TEMPLATE]: (p) => [...new Set(podTemplates(p))].map((t) => `${p.metadata.namespace}/${t}`),
    },
  });
  const nodes = new SharedInformer<SimNode>(client, NodeType, { logger: log });
  const templates = new SharedInformer<KubeObject>(client, ResourceClaimTemplateType, { logger: log });

  const reconcile = async ({ namespace, name }: { namespace: string; name: string }): Promise<void> => {
    const cd = cds.cache.get(name, namespace);
    if (!cd) return; // gone: the garbage collector removes its template
    const template = templateNameOf(cd);
    if (!template) return;
    const live = templates.cache.get(template, namespace);
    const ours = live?.metadata.ownerReferences?.some((r) => r.uid === cd.metadata.uid) ?? false;
    if (cd.metadata.deletionTimestamp) {
      if (live && ours)
        await client.delete(ResourceClaimTemplateType, template, namespace).catch((err) => {
          if (!isNotFound(err)) throw err;
        });
      return;
    }
    if (!live) await createIfAbsent(client, ResourceClaimTemplateType, workloadClaimTemplate(cd));
    else if (!ours)
      log.warn("ResourceClaimTemplate exists and is not this ComputeDomain's: left alone", {
        computeDomain: `${namespace}/${name}`,
        template,
      });
    const members = pods.cache
      .byIndex(BY_TEMPLATE, `${namespace}/${template}`)
      .filter((p) => !p.metadata.deletionTimestamp);
    const status = computeDomainStatus(members, (n) => nodes.cache.get(n));
    if (deepEqual(cd.status ?? {}, status)) return;
    await client.patch(
      ComputeDomainType,
      name,
      namespace,
      { type: "merge", body: { status } },
      { subresource: "status" },
    );
  };

  const controller = new Controller({
    name: "compute-domain-driver-sim",
    reconciler: reconcile,
    logger: log,
  });
  controller.watch(cds);
  // A template deleted by someone else is made again.
  controller.watch(templates, (t) =>
    cds.cache
      .byIndex(BY_TEMPLATE, `${namespace(t)}/${t.metadata.name}`)
      .map((cd) => `${namespace(cd)}/${cd.metadata.name}`),
  );
  controller.watch(pods, (p) =>
    [...new Set(podTemplates(p))].flatMap((t) =>
      cds.cache
        .byIndex(BY_TEMPLATE, `${p.metadata.namespace}/${t}`)
        .map((cd) => `${namespace(cd)}/${cd.metadata.name}`),
    ),
  );

  let started = false;
  const publish = (node: SimNode): void => {
    const slice = channelSlice(node);
    if (!slice) return;
    void createIfAbsent(client, ResourceSliceType, slice).catch((err) =>
      log.warn("ComputeDomain channel slice not published", { node: node.metadata.name, error: err }),
    );
  };

  return {
    async start() {
      try {
        await createIfAbsent(client, DeviceClassType, channelDeviceClass());
      } catch (err) {
        if (!isNotFound(err)) throw err;
        log.warn("no ComputeDomain driver: the server does not serve resource.k8s.io/v1");
        return;
      }
      started = true;
      nodes.addEventHandler({
        onAdd: publish,
        onUpdate: (o, n) => o.metadata.uid !== n.metadata.uid && publish(n),
      });
      const informers = [cds, pods, nodes, templates] as SharedInformer<KubeObject>[];
      for (const inf of informers) inf.start();
      await Promise.all(informers.map((inf) => inf.waitForSync()));
      controller.start();
    },
    async stop() {
      if (!started) return;
      await controller.stop();
      await Promise.all([cds.stop(), pods.stop(), nodes.stop(), templates.stop()]);
    },
  };
}

const namespace = (o: KubeObject): string => o.metadata.namespace ?? "";
