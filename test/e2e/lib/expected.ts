// What the spec tables say a PodCliqueSet turns into (grove-api.md §11.1, §12.1, §14; grove-behaviour.md
// §9), computed here from a small description of the PCS and of what was scaled, independently of
// the implementation's own name helpers so a wrong name cannot agree with itself.

import { parseAllDocuments } from "yaml";

export interface Shape {
  pcs: string;
  namespace?: string;
  /** Clique name -> template replicas and minAvailable (default: replicas). */
  cliques: Record<string, { replicas: number; minAvailable?: number; labels?: Record<string, string> }>;
  /** PCSG config name -> template replicas (default 1), minAvailable (default 1), member cliques. */
  pcsgs?: Record<string, { replicas?: number; minAvailable?: number; cliques: string[] }>;
}

/**
 * A PodCliqueSet manifest for `shape` with `replicas` replicas: each clique one busybox container
 * sleeping forever that asks for `cpu`, minAvailable as the shape says (default its replicas), and
 * the shape's scaling groups.
 */
export function busyboxManifest(shape: Shape, replicas: number, cpu: string): string {
  const cliques = Object.entries(shape.cliques)
    .map(
      ([name, c]) => `      - name: ${name}
        spec:
          roleName: ${name}
          replicas: ${c.replicas}
          minAvailable: ${c.minAvailable ?? c.replicas}
          podSpec:
            containers:
              - { name: ${name}, image: busybox:1.36, command: [sleep, infinity], resources: { requests: { cpu: ${cpu} } } }`,
    )
    .join("\n");
  const groups = Object.entries(shape.pcsgs ?? {});
  const pcsgs = groups.length
    ? `    podCliqueScalingGroups:
${groups
  .map(
    ([name, g]) =>
      `      - { name: ${name}, replicas: ${g.replicas ?? 1}, minAvailable: ${g.minAvailable ?? 1}, cliqueNames: [${g.cliques.join(", ")}] }`,
  )
  .join("\n")}
`
    : "";
  return `apiVersion: grove.io/v1alpha1
kind: PodCliqueSet
metadata: { name: ${shape.pcs} }
spec:
  replicas: ${replicas}
  template:
    cliques:
${cliques}
${pcsgs}`;
}

/** The live sizes after scaling (template values apply at creation only, grove-behaviour.md §12.1). */
export interface Sizes {
  pcsReplicas: number;
  /** PCSG FQN -> spec.replicas, where it differs from the template. */
  pcsg?: Record<string, number>;
  /** PCLQ FQN -> spec.replicas, where it differs from the template. */
  pclq?: Record<string, number>;
}

export interface ExpectedPclq {
  name: string;
  clique: string;
  pcsIndex: number;
  replicas: number;
  minAvailable: number;
  podGang: string;
  /** Set for members of scaled gangs only. */
  basePodGang?: string;
  pcsg?: { fqn: string; index: number; templateNumPods: number };
}

export interface Expected {
  pclqs: ExpectedPclq[];
  pcsgs: string[];
  podGangs: { name: string; podGroups: { name: string; minReplicas: number }[] }[];
  services: string[];
  podCount: number;
}

export function expectedObjects(shape: Shape, sizes: Sizes): Expected {
  const pcs = shape.pcs;
  const pcsgs = shape.pcsgs ?? {};
  const members = new Set(Object.values(pcsgs).flatMap((g) => g.cliques));
  const out: Expected = { pclqs: [], pcsgs: [], podGangs: [], services: [], podCount: 0 };
  const clq = (name: string) => {
    const c = shape.cliques[name];
    if (!c) throw new Error(`shape ${pcs}: no clique ${name}`);
    return c;
  };
  for (let i = 0; i < sizes.pcsReplicas; i++) {
    const base = `${pcs}-${i}`;
    out.services.push(base);
    const baseGang = { name: base, podGroups: [] as { name: string; minReplicas: number }[] };
    const scaled: typeof out.podGangs = [];
    for (const [name, c] of Object.entries(shape.cliques)) {
      if (members.has(name)) continue;
      const fqn = `${pcs}-${i}-${name}`;
      const min = c.minAvailable ?? c.replicas;
      out.pclqs.push({
        name: fqn,
        clique: name,
        pcsIndex: i,
        replicas: sizes.pclq?.[fqn] ?? c.replicas,
        minAvailable: min,
        podGang: base,
      });
      baseGang.podGroups.push({ name: fqn, minReplicas: min });
    }
    for (const [sg, g] of Object.entries(pcsgs)) {
      const fqn = `${pcs}-${i}-${sg}`;
      out.pcsgs.push(fqn);
      const replicas = sizes.pcsg?.[fqn] ?? g.replicas ?? 1;
      const minAvailable = g.minAvailable ?? 1;
      const templateNumPods = g.cliques.reduce((n, c) => n + clq(c).replicas, 0);
      for (let j = 0; j < replicas; j++) {
        const gang = j < minAvailable ? base : `${fqn}-${j - minAvailable}`;
        const groups = j < minAvailable ? baseGang.podGroups : [];
        for (const name of g.cliques) {
          const c = clq(name);
          const pclq = `${fqn}-${j}-${name}`;
          const min = c.minAvailable ?? c.replicas;
          out.pclqs.push({
            name: pclq,
            clique: name,
            pcsIndex: i,
            replicas: sizes.pclq?.[pclq] ?? c.replicas,
            minAvailable: min,
            podGang: gang,
            ...(j >= minAvailable ? { basePodGang: base } : {}),
            pcsg: { fqn, index: j, templateNumPods },
          });
          groups.push({ name: pclq, minReplicas: min });
        }
        if (j >= minAvailable) scaled.push({ name: gang, podGroups: groups });
      }
    }
    out.podGangs.push(baseGang, ...scaled);
  }
  out.podCount = out.pclqs.reduce((n, p) => n + p.replicas, 0);
  return out;
}

export const sorted = (xs: Iterable<string>): string[] => [...xs].sort();

/** The Shape of the (first) PodCliqueSet in a manifest, with the spec's defaults (grove-api.md §8). */
export function shapeOf(manifest: string): Shape {
  const docs = parseAllDocuments(manifest).map((d) => d.toJS() as unknown);
  const pcs = docs.find((d): d is PcsDoc => (d as PcsDoc | null)?.kind === "PodCliqueSet");
  if (!pcs) throw new Error("no PodCliqueSet in the manifest");
  const shape: Shape = { pcs: pcs.metadata.name, cliques: {}, pcsgs: {} };
  if (pcs.metadata.namespace) shape.namespace = pcs.metadata.namespace;
  for (const c of pcs.spec.template.cliques) {
    const replicas = c.spec.replicas || 1;
    shape.cliques[c.name] = {
      replicas,
      minAvailable: c.spec.minAvailable ?? replicas,
      ...(c.labels ? { labels: c.labels } : {}),
    };
  }
  for (const g of pcs.spec.template.podCliqueScalingGroups ?? [])
    (shape.pcsgs ?? {})[g.name] = {
      replicas: g.replicas ?? 1,
      minAvailable: g.minAvailable ?? 1,
      cliques: g.cliqueNames,
    };
  return shape;
}

interface PcsDoc {
  kind: string;
  metadata: { name: string; namespace?: string };
  spec: {
    replicas?: number;
    template: {
      cliques: {
        name: string;
        labels?: Record<string, string>;
        spec: { replicas?: number; minAvailable?: number };
      }[];
      podCliqueScalingGroups?: {
        name: string;
        replicas?: number;
        minAvailable?: number;
        cliqueNames: string[];
      }[];
    };
  };
}
