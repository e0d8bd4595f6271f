// Checks a running PodCliqueSet against the spec tables, reading everything through kubectl:
// object names (grove-api.md §11.1), PodGang composition (grove-behaviour.md §9), and for every pod
// its name, hostname/subdomain, owner, labels (§12.1) and injected environment (§14).
import { expect } from "vitest";
import {
  type Expected,
  type ExpectedPclq,
  expectedObjects,
  type Shape,
  type Sizes,
  sorted,
} from "./expected.js";
import type { E2E } from "./harness.js";
import type { PodLike } from "./pods.js";

interface Named {
  metadata: { name: string; labels?: Record<string, string> };
}
interface PclqObj extends Named {
  spec: { replicas: number; minAvailable?: number };
}
interface PodGangObj extends Named {
  spec: {
    podgroups: { name: string; minReplicas: number; podReferences?: { namespace: string; name: string }[] }[];
  };
}
export type PodObj = PodLike & {
  metadata: PodLike["metadata"] & {
    ownerReferences?: { kind: string; name: string; controller?: boolean }[];
  };
};

/** Waits until all pods of the expected shape run and are Ready, then checks every object and pod. */
export async function verifyShape(e2e: E2E, shape: Shape, sizes: Sizes): Promise<Expected> {
  const want = expectedObjects(shape, sizes);
  const pcs = shape.pcs;
  const sel = `app.kubernetes.io/part-of=${pcs}`;
  await e2e.waitPods(pcs, { total: want.podCount, running: want.podCount, ready: want.podCount });
  // Names converge a little after the pods (a scaled-in PodGang is deleted by the next PCS pass).
  const names = async (kind: string) => e2e.kubectl.names(kind, "-l", sel);
  const wantPclqs = sorted(want.pclqs.map((p) => p.name));
  await e2e.waitNames(`${pcs}: PodCliques`, () => names("podcliques.grove.io"), wantPclqs);
  await e2e.waitNames(
    `${pcs}: PodCliqueScalingGroups`,
    () => names("podcliquescalinggroups.grove.io"),
    sorted(want.pcsgs),
  );
  await e2e.waitNames(
    `${pcs}: PodGangs`,
    () => names("podgangs.scheduler.grove.io"),
    sorted(want.podGangs.map((g) => g.name)),
  );
  // One headless Service per PCS replica; Services of scaled-in replicas stay until the PCS is
  // deleted (grove-behaviour.md §3.5), so any extra one must belong to a replica index >= replicas.
  const services = await names("services");
  expect(
    services.filter((n) => want.services.includes(n)),
    `${pcs}: headless Services`,
  ).toEqual(sorted(want.services));
  for (const extra of services.filter((n) => !want.services.includes(n)))
    expect(extra, `${pcs}: Service of a scaled-in replica`).toMatch(new RegExp(`^${pcs}-(\\d+)$`));
  for (const extra of services.filter((n) => !want.services.includes(n)))
    expect(
      Number(extra.slice(pcs.length + 1)),
      `${extra}: index of a scaled-in replica`,
    ).toBeGreaterThanOrEqual(sizes.pcsReplicas);

  const pclqs = (await e2e.kubectl.json<{ items: PclqObj[] }>(["get", "podcliques.grove.io", "-l", sel]))
    .items;
  for (const p of want.pclqs) {
    const got = pclqs.find((x) => x.metadata.name === p.name);
    expect(got?.spec.replicas, `${p.name}: spec.replicas`).toBe(p.replicas);
  }

  const pods = (await e2e.kubectl.json<{ items: PodObj[] }>(["get", "pods", "-l", sel])).items.filter(
    (p) => !p.metadata.deletionTimestamp,
  );
  expect(pods.length, `${pcs}: pod count`).toBe(want.podCount);
  for (const p of want.pclqs) {
    const mine = pods.filter((x) => x.metadata.labels?.["grove.io/podclique"] === p.name);
    expect(mine.length, `${p.name}: pods`).toBe(p.replicas);
    // Hostnames are <pclq>-<k> for k = 0..replicas-1 with no hole after a clean scale-out.
    expect(sorted(mine.map((x) => x.spec?.hostname ?? "")), `${p.name}: hostnames`).toEqual(
      sorted(Array.from({ length: p.replicas }, (_, k) => `${p.name}-${k}`)),
    );
    for (const pod of mine) checkPod(pod, p, shape);
  }

  const gangs = (
    await e2e.kubectl.json<{ items: PodGangObj[] }>(["get", "podgangs.scheduler.grove.io", "-l", sel])
  ).items;
  for (const g of want.podGangs) {
    const got = gangs.find((x) => x.metadata.name === g.name);
    expect(got, `PodGang ${g.name}`).toBeDefined();
    const groups = (got?.spec.podgroups ?? []).map((pg) => ({ name: pg.name, minReplicas: pg.minReplicas }));
    expect(
      groups.sort((a, b) => a.name.localeCompare(b.name)),
      `PodGang ${g.name}: podgroups`,
    ).toEqual([...g.podGroups].sort((a, b) => a.name.localeCompare(b.name)));
    for (const pg of got?.spec.podgroups ?? []) {
      const refs = sorted((pg.podReferences ?? []).map((r) => r.name));
      const podsOf = sorted(
        pods
          .filter((x) => x.metadata.labels?.["grove.io/podclique"] === pg.name)
          .map((x) => x.metadata.name ?? ""),
      );
      expect(refs, `PodGang ${g.name} podgroup ${pg.name}: podReferences`).toEqual(podsOf);
    }
  }
  return want;
}

/** One pod against §11.1 (name, hostname, subdomain), §12.1 (labels) and §14 (environment). */
export function checkPod(pod: PodObj, p: ExpectedPclq, shape: Shape): void {
  const ns = shape.namespace ?? "default";
  const name = pod.metadata.name ?? "";
  const where = `pod ${name}`;
  expect(name, `${where}: generateName <pclq>- plus 5 random characters`).toMatch(
    new RegExp(`^${p.name.replace(/[.]/g, "\\.")}-[a-z0-9]{5}$`),
  );
  const hostname = pod.spec?.hostname ?? "";
  const k = hostname.slice(p.name.length + 1);
  expect(hostname.startsWith(`${p.name}-`) && /^\d+$/.test(k), `${where}: hostname <pclq>-<k>`).toBe(true);
  expect(pod.spec?.subdomain, `${where}: subdomain`).toBe(`${shape.pcs}-${p.pcsIndex}`);
  const owner = (pod.metadata.ownerReferences ?? []).find((o) => o.controller);
  expect(owner && { kind: owner.kind, name: owner.name }, `${where}: controller owner`).toEqual({
    kind: "PodClique",
    name: p.name,
  });

  const labels = pod.metadata.labels ?? {};
  const want: Record<string, string> = {
    "app.kubernetes.io/managed-by": "grove-operator",
    "app.kubernetes.io/part-of": shape.pcs,
    "app.kubernetes.io/name": p.name,
    "app.kubernetes.io/component": p.pcsg ? "pcsg-podclique" : "pcs-podclique",
    "grove.io/podclique": p.name,
    "grove.io/podgang": p.podGang,
    "grove.io/podcliqueset-replica-index": String(p.pcsIndex),
    "grove.io/podclique-pod-index": k,
    ...(shape.cliques[p.clique]?.labels ?? {}),
  };
  if (p.pcsg) {
    want["grove.io/podcliquescalinggroup"] = p.pcsg.fqn;
    want["grove.io/podcliquescalinggroup-replica-index"] = String(p.pcsg.index);
  }
  if (p.basePodGang) want["grove.io/base-podgang"] = p.basePodGang;
  for (const [key, value] of Object.entries(want)) expect(labels[key], `${where}: label ${key}`).toBe(value);
  if (!p.basePodGang)
    expect(labels["grove.io/base-podgang"], `${where}: no base-podgang label`).toBeUndefined();
  if (!p.pcsg)
    expect(
      [labels["grove.io/podcliquescalinggroup"], labels["grove.io/podcliquescalinggroup-replica-index"]],
      `${where}: no PCSG labels`,
    ).toEqual([undefined, undefined]);
  expect(labels["grove.io/pod-template-hash"], `${where}: pod-template-hash`).toMatch(/.+/);

  const grove = [
    { name: "GROVE_PCS_NAME", value: shape.pcs },
    { name: "GROVE_PCS_INDEX", value: String(p.pcsIndex) },
    { name: "GROVE_PCLQ_NAME", value: p.name },
    { name: "GROVE_HEADLESS_SERVICE", value: `${shape.pcs}-${p.pcsIndex}.${ns}.svc.cluster.local` },
    {
      name: "GROVE_PCLQ_POD_INDEX",
      valueFrom: { fieldRef: { fieldPath: "metadata.labels['grove.io/podclique-pod-index']" } },
    },
    ...(p.pcsg
      ? [
          {
            name: "GROVE_PCSG_NAME",
            valueFrom: { fieldRef: { fieldPath: "metadata.labels['grove.io/podcliquescalinggroup']" } },
          },
          { name: "GROVE_PCSG_TEMPLATE_NUM_PODS", value: String(p.pcsg.templateNumPods) },
          {
            name: "GROVE_PCSG_INDEX",
            valueFrom: {
              fieldRef: { fieldPath: "metadata.labels['grove.io/podcliquescalinggroup-replica-index']" },
            },
          },
        ]
      : []),
  ];
  const containers = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
  expect(containers.length).toBeGreaterThan(0);
  for (const c of containers) {
    const env = (c.env ?? []).map((e) => ({
      name: e.name,
      ...(e.value !== undefined ? { value: e.value } : {}),
      ...(e.valueFrom?.fieldRef
        ? { valueFrom: { fieldRef: { fieldPath: e.valueFrom.fieldRef.fieldPath } } }
        : {}),
    }));
    // Grove's variables come first, in the documented order; user variables follow.
    expect(env.slice(0, grove.length), `${where} container ${c.name}: Grove env vars in order`).toEqual(
      grove,
    );
    const userNames = env.slice(grove.length).map((e) => e.name);
    expect(
      userNames.filter(
        (n) => n.startsWith("GROVE_PCS") || n.startsWith("GROVE_PCLQ") || n === "GROVE_HEADLESS_SERVICE",
      ),
      `${where} container ${c.name}: no duplicate Grove variables`,
    ).toEqual([]);
  }
}
