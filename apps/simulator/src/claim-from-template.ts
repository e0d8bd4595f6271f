// What kube-controller-manager's resourceclaim-controller does for grove-sim on our API server (on
// the real control plane its own runs): for every pod claim made from a template
// (`spec.resourceClaims[].resourceClaimTemplateName`) a ResourceClaim with the template's spec,
// named `<pod>-<claim>-<5 random>` (generateName, both parts shortened in proportion past 57
// characters), controlled by the pod (the garbage collector deletes it with the pod), annotated
// `resource.kubernetes.io/pod-claim-name: <claim>`, labelled and annotated as the template's
// metadata says, and recorded in the pod's `status.resourceClaimStatuses` [{name, resourceClaimName}]
// (pods/status). A claim made before a lost status write is found again by owner and annotation.
// Pods being deleted or done get none; a missing template is waited for (the pod stays as it is).
import {
  type Client,
  Controller,
  indexByOwnerUid,
  type KubeObject,
  type Logger,
  noopLogger,
  PodType,
  ResourceClaimTemplateType,
  ResourceClaimType,
  SharedInformer,
} from "@grove-ts/runtime";

/** The annotation naming the pod claim a generated ResourceClaim is for. */
export const POD_CLAIM_NAME_ANNOTATION = "resource.kubernetes.io/pod-claim-name";

interface PodClaim {
  name: string;
  resourceClaimName?: string;
  resourceClaimTemplateName?: string;
}

export type TemplatedPod = KubeObject & {
  spec?: { resourceClaims?: PodClaim[] };
  status?: { phase?: string; resourceClaimStatuses?: { name: string; resourceClaimName?: string }[] };
};

interface TemplateSpec {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: unknown;
}
type Template = KubeObject & { spec?: unknown };

/** Kubernetes' generateName of the claim for pod claim `claim` of pod `pod` (57 characters at most). */
export function claimGenerateName(pod: string, claim: string): string {
  const base = `${pod}-${claim}-`;
  const max = 57;
  if (base.length <= max) return base;
  // As the controller does: both parts cut in proportion, and no trailing hyphen then.
  return `${pod.slice(0, Math.floor((pod.length * max) / base.length))}-${claim.slice(
    0,
    Math.floor((claim.length * max) / base.length),
  )}`;
}

/** The ResourceClaim the controller creates for `claim` of `pod` from `template`. */
export function claimFromTemplate(
  pod: KubeObject,
  claim: string,
  template: Template,
): KubeObject & { spec: unknown } {
  const t = template.spec as TemplateSpec | undefined;
  const meta = t?.metadata;
  return {
    apiVersion: ResourceClaimType.apiVersion,
    kind: ResourceClaimType.kind,
    metadata: {
      generateName: claimGenerateName(pod.metadata.name ?? "", claim),
      namespace: pod.metadata.namespace ?? "default",
      ownerReferences: [
        {
          apiVersion: "v1",
          kind: "Pod",
          name: pod.metadata.name ?? "",
          uid: pod.metadata.uid ?? "",
          controller: true,
          blockOwnerDeletion: true,
        },
      ],
      annotations: { ...(meta?.annotations ?? {}), [POD_CLAIM_NAME_ANNOTATION]: claim },
      ...(meta?.labels ? { labels: { ...meta.labels } } : {}),
    },
    spec: structuredClone(t?.spec ?? {}),
  };
}

const done = (p: TemplatedPod): boolean => p.status?.phase === "Succeeded" || p.status?.phase === "Failed";

export interface ClaimController {
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Delay before a pod whose template is missing is looked at again (the template's creation also brings it back). */
const MISSING_TEMPLATE_RETRY_MS = 5_000;

export function createClaimController(client: Client, logger: Logger = noopLogger): ClaimController {
  const log = logger.with({ component: "resourceclaim-controller-sim" });
  const pods = new SharedInformer<TemplatedPod>(client, PodType, { logger: log });
  const templates = new SharedInformer<Template>(client, ResourceClaimTemplateType, { logger: log });
  const claims = new SharedInformer<KubeObject>(client, ResourceClaimType, {
    logger: log,
    indexers: { owner: indexByOwnerUid },
  });

  /** Claims this controller made, per pod UID and pod claim: the caches may not show them yet. */
  const made = new Map<string, Map<string, string>>();

  const reconcile = async ({ namespace, name }: { namespace: string; name: string }) => {
    const pod = pods.cache.get(name, namespace);
    if (!pod || pod.metadata.deletionTimestamp || done(pod)) return;
    const recorded = pod.status?.resourceClaimStatuses ?? [];
    const added: { name: string; resourceClaimName: string }[] = [];
    let missing: string | undefined;
    for (const pc of pod.spec?.resourceClaims ?? []) {
      const templateName = pc.resourceClaimTemplateName;
      if (!templateName || recorded.some((s) => s.name === pc.name)) continue;
      // Made before a status write that was lost?
      const orphan = claims.cache
        .byIndex("owner", pod.metadata.uid ?? "")
        .find((c) => c.metadata.annotations?.[POD_CLAIM_NAME_ANNOTATION] === pc.name);
      if (orphan) {
        added.push({ name: pc.name, resourceClaimName: orphan.metadata.name ?? "" });
        continue;
      }
      const ours = made.get(pod.metadata.uid ?? "")?.get(pc.name);
      if (ours) {
        added.push({ name: pc.name, resourceClaimName: ours });
        continue;
      }
      const template = templates.cache.get(templateName, namespace);
      if (!template) {
        missing = templateName;
        continue;
      }
      const claim = await client.create(ResourceClaimType, claimFromTemplate(pod, pc.name, template));
      const claimName = claim.metadata.name ?? "";
      const uid = pod.metadata.uid ?? "";
      made.set(uid, (made.get(uid) ?? new Map<string, string>()).set(pc.name, claimName));
      added.push({ name: pc.name, resourceClaimName: claimName });
    }
    if (added.length > 0)
      await client.patch(
        PodType,
        name,
        namespace,
        { type: "merge", body: { status: { resourceClaimStatuses: [...recorded, ...added] } } },
        { subresource: "status" },
      );
    if (missing) {
      log.debug("resource claim template not found, waiting", {
        pod: `${namespace}/${name}`,
        template: missing,
      });
      return { requeueAfter: MISSING_TEMPLATE_RETRY_MS };
    }
    return undefined;
  };

  const controller = new Controller({
    name: "resourceclaim-controller-sim",
    reconciler: reconcile,
    logger: log,
  });
  const templated = (p: TemplatedPod) =>
    (p.spec?.resourceClaims ?? []).some((c) => c.resourceClaimTemplateName);
  controller.watch(pods, (p) => (templated(p) ? `${p.metadata.namespace}/${p.metadata.name}` : undefined));
  // A template that appears releases the pods waiting on it.
  controller.watch(templates, (t) =>
    pods.cache
      .list(t.metadata.namespace)
      .filter((p) =>
        (p.spec?.resourceClaims ?? []).some((c) => c.resourceClaimTemplateName === t.metadata.name),
      )
      .map((p) => `${p.metadata.namespace}/${p.metadata.name}`),
  );

  pods.addEventHandler({ onDelete: (p) => made.delete(p.metadata.uid ?? "") });

  return {
    async start() {
      const informers = [pods, templates, claims] as SharedInformer<KubeObject>[];
      for (const inf of informers) inf.start();
      await Promise.all(informers.map((inf) => inf.waitForSync()));
      controller.start();
    },
    async stop() {
      await controller.stop();
      await Promise.all([pods.stop(), templates.stop(), claims.stop()]);
    },
  };
}
