// The composition the simulator and the operator use: one Manager, the shared informers with their
// indexes, the four controllers and the event filters that map changes to the keys that care
// (grove-behaviour.md §3.1, §4.1, §5.1, §6.1), keeping reconcile storms down.
import {
  AnnotationReconcileTrigger,
  ClusterTopologyBindingType,
  ConditionMinAvailableBreached,
  LabelBasePodGang,
  LabelManagedBy,
  LabelPartOf,
  LabelPodCliqueScalingGroup,
  LabelPodGang,
  ManagedByValue,
  PodCliqueScalingGroupType,
  PodCliqueSetType,
  PodCliqueType,
  PodGangType,
} from "@grove-ts/api";
import {
  type Client,
  Controller,
  deepEqual,
  findCondition,
  getControllerOf,
  HorizontalPodAutoscalerType,
  type Informer,
  indexByControllerUid,
  type KubeObject,
  Manager,
  noopLogger,
  PodType,
  ResourceClaimType,
  RoleBindingType,
  RoleType,
  SecretType,
  ServiceAccountType,
  ServiceType,
  StatusMemory,
} from "@grove-ts/runtime";
import { createClusterTopologyController } from "./clustertopology/index.js";
import {
  INDEX_BASE_PODGANG as basePodGangIndex,
  type ControllerContext,
  INDEX_CONTROLLER_UID,
  INDEX_PART_OF,
  INDEX_PCSG,
  type Informers,
  PodExpectations,
  type ResolvedOptions,
} from "./context.js";
import { topologyNameOf } from "./desired-gangs.js";
import { createControllerEvents } from "./events.js";
import type { Pod } from "./kube-types.js";
import { type ComputeDomain, ComputeDomainType } from "./mnnvl.js";
import { isServed, OptionalInformer } from "./optional-informer.js";
import {
  checkOptions,
  DEFAULT_CONCURRENCY,
  defaultInitContainerImage,
  type GroveControllers,
  type GroveControllersOptions,
  initContainerImageRef,
} from "./options.js";
import { pclqReconciler } from "./pclq/controller.js";
import { pcsReconciler } from "./pcs/controller.js";
import { pcsgReconciler } from "./pcsg/controller.js";
import { podGangReconciler } from "./podgang/controller.js";
import { DEFAULT_STATUS_COALESCE_MS, StatusCoalescer } from "./status-coalesce.js";
import type { PodClique, PodCliqueScalingGroup, PodCliqueSet, PodGang } from "./types.js";
import { podCondition } from "./util.js";

const key = (ns: string | undefined, name: string): string => (ns ? `${ns}/${name}` : name);

const partOfIndex = (o: KubeObject): string[] => {
  const p = o.metadata.labels?.[LabelPartOf];
  return p ? [`${o.metadata.namespace ?? ""}/${p}`] : [];
};
const pcsgIndex = (o: KubeObject): string[] => {
  const p = o.metadata.labels?.[LabelPodCliqueScalingGroup];
  return p ? [`${o.metadata.namespace ?? ""}/${p}`] : [];
};

function on<T extends KubeObject>(
  informer: Informer<T>,
  h: { add?: (o: T) => void; update?: (a: T, b: T) => void; del?: (o: T) => void },
): void {
  informer.addEventHandler({
    ...(h.add ? { onAdd: h.add } : {}),
    ...(h.update ? { onUpdate: h.update } : {}),
    ...(h.del ? { onDelete: h.del } : {}),
  });
}

const generationChanged = (a: KubeObject, b: KubeObject) =>
  a.metadata.generation !== b.metadata.generation ||
  a.metadata.deletionTimestamp !== b.metadata.deletionTimestamp;

const condStatus = (o: { status?: { conditions?: { type: string; status: string }[] } }, type: string) =>
  findCondition(o.status?.conditions as never, type)?.status;

/** The PCS hash or its currently-updating replica changed (§4.1, §5.1). */
const updatingChanged = (a: PodCliqueSet, b: PodCliqueSet) =>
  a.status?.currentGenerationHash !== b.status?.currentGenerationHash ||
  !deepEqual(a.status?.updateProgress?.currentlyUpdating, b.status?.updateProgress?.currentlyUpdating) ||
  a.status?.updateProgress?.updateEndedAt !== b.status?.updateProgress?.updateEndedAt;

export function createGroveControllers(
  client: Client,
  options: GroveControllersOptions = {},
): GroveControllers {
  checkOptions(options);
  const logger = options.logger ?? noopLogger;
  const resolved: ResolvedOptions = {
    topologyAwareScheduling: options.topologyAwareScheduling ?? true,
    defaultSchedulerName: options.defaultSchedulerName ?? "default-scheduler",
    initContainerImage:
      options.initContainerImage !== undefined
        ? initContainerImageRef(options.initContainerImage)
        : defaultInitContainerImage(),
    requeueAfterMs: options.requeueAfterMs ?? 5000,
    podGangEmptyReplicasPerPass: options.podGangEmptyReplicasPerPass,
    autoMNNVLEnabled: options.autoMNNVLEnabled ?? false,
    now: () => new Date(),
  };
  const mgr = new Manager({ client, logger });
  const managed = { labelSelector: `${LabelManagedBy}=${ManagedByValue}` };
  // Kinds a cluster may not serve: bound to real informers at start when served (optional-informer.ts).
  const optional = {
    resourceClaim: new OptionalInformer<KubeObject & { spec?: Record<string, unknown> }>(ResourceClaimType),
    computeDomain: new OptionalInformer<ComputeDomain>(ComputeDomainType),
  };
  const informers: Informers = {
    pcs: mgr.informer<PodCliqueSet>(PodCliqueSetType),
    pcsg: mgr.informer<PodCliqueScalingGroup>(PodCliqueScalingGroupType),
    pclq: mgr.informer<PodClique>(PodCliqueType),
    podgang: mgr.informer<PodGang>(PodGangType),
    pod: mgr.informer<Pod>(PodType, managed),
    service: mgr.informer(ServiceType, managed),
    serviceAccount: mgr.informer(ServiceAccountType, managed),
    role: mgr.informer(RoleType, managed),
    roleBinding: mgr.informer(RoleBindingType, managed),
    // Not label-filtered (as upstream): a foreign `<pcs>-ic-sat` must be seen to be reported as a conflict.
    secret: mgr.informer(SecretType),
    hpa: mgr.informer(HorizontalPodAutoscalerType, managed),
    ctb: mgr.informer(ClusterTopologyBindingType),
    resourceClaim: optional.resourceClaim,
    computeDomain: optional.computeDomain,
  };
  for (const inf of [
    informers.pcsg,
    informers.pclq,
    informers.podgang,
    informers.pod,
    informers.service,
    informers.serviceAccount,
    informers.role,
    informers.roleBinding,
    informers.secret,
    informers.hpa,
    informers.resourceClaim,
    informers.computeDomain,
  ] as Informer<KubeObject>[])
    inf.addIndexer(INDEX_PART_OF, partOfIndex);
  informers.pod.addIndexer(INDEX_CONTROLLER_UID, indexByControllerUid);
  informers.pclq.addIndexer(INDEX_PCSG, pcsgIndex);
  informers.pclq.addIndexer(basePodGangIndex, (o) => {
    const b = o.metadata.labels?.[LabelBasePodGang];
    return b ? [`${o.metadata.namespace ?? ""}/${b}`] : [];
  });

  const events = createControllerEvents(options.eventClient ?? client, logger);
  const ctx: ControllerContext = {
    client,
    informers,
    options: resolved,
    logger,
    podExpectations: new PodExpectations(),
    statusMemory: new StatusMemory(),
    statusCoalescer: new StatusCoalescer(options.statusCoalesceMs ?? DEFAULT_STATUS_COALESCE_MS),
    events,
    pcsReconcileMs: new Map(),
  };
  // The memory of status writes lives only until the cache shows them, or the object is gone.
  for (const inf of [
    informers.pcs,
    informers.pcsg,
    informers.pclq,
    informers.podgang,
  ] as Informer<KubeObject>[])
    on(inf, { update: (_a, b) => ctx.statusMemory.observe(b), del: (o) => ctx.statusMemory.forget(o) });
  const c = { ...DEFAULT_CONCURRENCY, ...options.concurrency };
  const metrics = options.metrics ? { metrics: options.metrics } : {};
  const pcsCtl = new Controller({
    name: "podcliqueset",
    reconciler: pcsReconciler(ctx),
    concurrency: c.pcs,
    logger,
    ...metrics,
  });
  const pcsgCtl = new Controller({
    name: "podcliquescalinggroup",
    reconciler: pcsgReconciler(ctx),
    concurrency: c.pcsg,
    logger,
    ...metrics,
  });
  const pclqCtl = new Controller({
    name: "podclique",
    reconciler: pclqReconciler(ctx),
    concurrency: c.pclq,
    logger,
    ...metrics,
  });
  const pgCtl = new Controller({
    name: "podgang",
    reconciler: podGangReconciler(ctx),
    concurrency: c.podgang,
    logger,
    ...metrics,
  });

  // ---- PodCliqueSet (§3.1) ----
  const pcsKeyOf = (o: KubeObject): string | undefined => {
    const p = o.metadata.labels?.[LabelPartOf];
    return p ? key(o.metadata.namespace, p) : undefined;
  };
  const toPcs = (o: KubeObject) => {
    const k = pcsKeyOf(o);
    if (k) pcsCtl.enqueue(k);
  };
  // A PodClique's status change requeues its PodCliqueSet after as long as the PCS's last
  // reconcile took (capped at 250 ms), so the changes that arrive meanwhile fold into one
  // reconcile: a 500-replica PCS's reconcile takes tens of milliseconds, and pod status events
  // that trickle in over HTTP one by one would otherwise keep it running back to back (grove-sim's
  // fleet). A PCS whose reconcile is quick (under 10 ms) is requeued at once.
  const pclqStatusToPcs = (o: KubeObject) => {
    const k = pcsKeyOf(o);
    if (!k) return;
    const took = ctx.pcsReconcileMs.get(k) ?? 0;
    if (took < 10) pcsCtl.enqueue(k);
    else pcsCtl.enqueueAfter(k, Math.min(took, 250));
  };
  on(informers.pcs, {
    add: (o) => pcsCtl.enqueue(key(o.metadata.namespace, o.metadata.name ?? "")),
    update: (a, b) => {
      if (
        generationChanged(a, b) ||
        a.metadata.annotations?.[AnnotationReconcileTrigger] !==
          b.metadata.annotations?.[AnnotationReconcileTrigger]
      )
        pcsCtl.enqueue(key(b.metadata.namespace, b.metadata.name ?? ""));
    },
    del: (o) => pcsCtl.enqueue(key(o.metadata.namespace, o.metadata.name ?? "")),
  });
  on(informers.pclq, {
    update: (a, b) => {
      const s = (p: PodClique) => {
        const st = p.status;
        return [
          st?.replicas,
          st?.readyReplicas,
          st?.scheduleGatedReplicas,
          st?.updatedReplicas,
          st?.currentPodTemplateHash,
          st?.currentPodCliqueSetGenerationHash,
          st?.updateProgress,
          condStatus(p, ConditionMinAvailableBreached),
        ];
      };
      if (generationChanged(a, b)) toPcs(b);
      else if (!deepEqual(s(a), s(b))) pclqStatusToPcs(b);
    },
    del: toPcs,
  });
  on(informers.pcsg, {
    update: (a, b) => {
      const s = (g: PodCliqueScalingGroup) => [
        g.status?.availableReplicas,
        g.status?.updatedReplicas,
        g.status?.currentPodCliqueSetGenerationHash,
        g.status?.updateProgress,
        condStatus(g, ConditionMinAvailableBreached),
      ];
      // Spec changes too: a PCSG scaled through /scale needs its scaled PodGangs.
      if (generationChanged(a, b) || !deepEqual(s(a), s(b))) toPcs(b);
    },
    del: toPcs,
  });
  for (const inf of [
    informers.serviceAccount,
    informers.role,
    informers.roleBinding,
    informers.service,
    informers.hpa,
    informers.podgang,
  ] as Informer<KubeObject>[])
    on(inf, { del: toPcs });
  on(informers.secret, {
    update: (a, b) => {
      if (!deepEqual((a as { data?: unknown }).data, (b as { data?: unknown }).data)) toPcs(b);
    },
    del: toPcs,
  });
  const ctbChanged = (o: KubeObject) => {
    for (const pcs of informers.pcs.cache.list())
      if (topologyNameOf(pcs) === o.metadata.name)
        pcsCtl.enqueue(key(pcs.metadata.namespace, pcs.metadata.name ?? ""));
  };
  on(informers.ctb, { add: ctbChanged, update: (_a, b) => ctbChanged(b), del: ctbChanged });

  // ---- PodCliqueScalingGroup (§5.1) ----
  const pcsgKey = (o: KubeObject) => key(o.metadata.namespace, o.metadata.name ?? "");
  on(informers.pcsg, {
    add: (o) => pcsgCtl.enqueue(pcsgKey(o)),
    update: (a, b) => {
      if (generationChanged(a, b)) pcsgCtl.enqueue(pcsgKey(b));
    },
  });
  const memberToPcsg = (o: PodClique) => {
    const g = o.metadata.labels?.[LabelPodCliqueScalingGroup];
    if (g && getControllerOf(o)?.kind === PodCliqueScalingGroupType.kind)
      pcsgCtl.enqueue(key(o.metadata.namespace, g));
  };
  on(informers.pclq, { update: (_a, b) => memberToPcsg(b), del: memberToPcsg });
  on(informers.pcs, {
    update: (a, b) => {
      if (generationChanged(a, b) || updatingChanged(a, b))
        for (const g of informers.pcsg.cache.byIndex(
          INDEX_PART_OF,
          `${b.metadata.namespace ?? ""}/${b.metadata.name}`,
        ))
          pcsgCtl.enqueue(pcsgKey(g));
    },
  });

  // ---- PodClique (§4.1) ----
  const pclqKey = (o: KubeObject) => key(o.metadata.namespace, o.metadata.name ?? "");
  on(informers.pclq, {
    add: (o) => pclqCtl.enqueue(pclqKey(o)),
    update: (a, b) => {
      if (generationChanged(a, b) || !deepEqual(a.metadata.labels, b.metadata.labels))
        pclqCtl.enqueue(pclqKey(b));
      // Scaled gangs wait for their base gang's scheduledReplicas (§4.3 step 5).
      if (a.status?.scheduledReplicas !== b.status?.scheduledReplicas) {
        const gang = b.metadata.labels?.[LabelPodGang];
        if (gang)
          for (const s of informers.pclq.cache.byIndex(
            basePodGangIndex,
            `${b.metadata.namespace ?? ""}/${gang}`,
          ))
            pclqCtl.enqueue(pclqKey(s));
      }
    },
    del: (o) => pclqCtl.enqueue(pclqKey(o)),
  });
  const podToPclq = (p: Pod) => {
    const ref = getControllerOf(p);
    if (ref?.kind === PodCliqueType.kind) pclqCtl.enqueue(key(p.metadata.namespace, ref.name));
  };
  const podSignature = (p: Pod) => [
    podCondition(p, "Ready")?.status,
    // grove-ts also reacts to PodScheduled (Grove polls for it, §20.8): scheduledReplicas stays current.
    podCondition(p, "PodScheduled")?.status,
    podCondition(p, "PodScheduled")?.reason,
    p.metadata.deletionTimestamp,
    p.status?.phase,
    p.spec?.schedulingGates?.length ?? 0,
    [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])].map((s) => [
      s.started,
      s.ready,
      s.lastState?.terminated?.exitCode ?? 0,
    ]),
  ];
  on(informers.pod, {
    add: podToPclq,
    update: (a, b) => {
      if (!deepEqual(podSignature(a), podSignature(b))) podToPclq(b);
    },
    del: podToPclq,
  });
  on(informers.pcs, {
    update: (a, b) => {
      if (updatingChanged(a, b))
        for (const p of informers.pclq.cache.byIndex(
          INDEX_PART_OF,
          `${b.metadata.namespace ?? ""}/${b.metadata.name}`,
        ))
          pclqCtl.enqueue(pclqKey(p));
    },
  });
  // A gang that now lists pods (or became Initialized) lets its PodCliques remove scheduling
  // gates: those reconciles go ahead of the queued ones (which mostly create pods), so gates come
  // off while a large PodCliqueSet's pods are still being created, and the scheduler can start.
  // A gang created with its pods already listed (a large PCS's deferred replicas, pcs/podgangs.ts)
  // lets them go at once too: Grove creates every gang empty and sees only updates.
  const ungate = (g: PodGang) => {
    for (const group of g.spec.podgroups)
      pclqCtl.enqueue(key(g.metadata.namespace, group.name), { high: true });
  };
  on(informers.podgang, {
    add: (o) => {
      if (o.spec.podgroups.some((g) => g.podReferences.length > 0)) ungate(o);
    },
    update: (a, b) => {
      if (generationChanged(a, b) || condStatus(a, "Initialized") !== condStatus(b, "Initialized")) ungate(b);
    },
  });

  // ---- Shared ResourceClaims: a deleted one is recreated by its owner; a new PCS- or PCSG-level
  // claim lets the PodCliques whose pods wait for it go on.
  const claimOwner = (o: KubeObject) => {
    const ref = getControllerOf(o);
    if (ref?.kind === PodCliqueSetType.kind) pcsCtl.enqueue(key(o.metadata.namespace, ref.name));
    if (ref?.kind === PodCliqueScalingGroupType.kind) pcsgCtl.enqueue(key(o.metadata.namespace, ref.name));
    if (ref?.kind === PodCliqueType.kind) pclqCtl.enqueue(key(o.metadata.namespace, ref.name));
  };
  const claimWaiters = (o: KubeObject) => {
    const ref = getControllerOf(o);
    const ns = o.metadata.namespace ?? "";
    const waiting =
      ref?.kind === PodCliqueSetType.kind
        ? informers.pclq.cache.byIndex(INDEX_PART_OF, `${ns}/${o.metadata.labels?.[LabelPartOf] ?? ""}`)
        : ref?.kind === PodCliqueScalingGroupType.kind
          ? informers.pclq.cache.byIndex(INDEX_PCSG, `${ns}/${ref.name}`)
          : [];
    for (const p of waiting) pclqCtl.enqueue(pclqKey(p));
  };
  on(informers.resourceClaim, { add: claimWaiters, del: claimOwner });
  // A ComputeDomain deleted or marked for deletion by someone else is recreated by its PCS.
  on(informers.computeDomain, {
    update: (a, b) => {
      if (!a.metadata.deletionTimestamp && b.metadata.deletionTimestamp) claimOwner(b);
    },
    del: claimOwner,
  });

  // ---- PodGang (§6.1) ----
  on(informers.podgang, {
    add: (o) => pgCtl.enqueue(pclqKey(o)),
    update: (a, b) => {
      if (generationChanged(a, b)) pgCtl.enqueue(pclqKey(b));
    },
    del: (o) => pgCtl.enqueue(pclqKey(o)),
  });

  for (const ctl of [pcsCtl, pcsgCtl, pclqCtl, pgCtl]) mgr.add(ctl);
  const ct =
    options.clusterTopology === false
      ? undefined
      : createClusterTopologyController(client, {
          logger,
          ...metrics,
          ...(options.clusterTopology ?? {}),
        });
  return {
    start: async () => {
      if (await isServed(client, ResourceClaimType))
        optional.resourceClaim.bind(mgr.informer(ResourceClaimType, managed));
      else
        logger.info("resource.k8s.io/v1 ResourceClaims not served: resourceSharing claims are not managed");
      if (resolved.autoMNNVLEnabled && (await isServed(client, ComputeDomainType)))
        optional.computeDomain.bind(mgr.informer(ComputeDomainType, managed));
      await mgr.start();
      await ct?.start();
    },
    stop: async () => {
      await ct?.stop();
      await mgr.stop();
      await events.stop();
    },
    flushEvents: () => events.flush(),
    pending: () =>
      [pcsCtl, pcsgCtl, pclqCtl, pgCtl].reduce(
        (n, c) => n + c.queue.len() + c.queue.inFlight() + c.queue.delayed(),
        0,
      ) + (ct?.pending() ?? 0),
    hasSynced: () => mgr.hasSynced() && (ct?.hasSynced() ?? true),
  };
}
