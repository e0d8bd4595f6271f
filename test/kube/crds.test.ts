// Our generated CRDs (packages/api/crds, from groveCrds()) on the real kube-apiserver built from
// source: the server accepts them (structural schemas, CEL rules that compile, list/map markers),
// and they store objects exactly as Grove's own CRDs do. The comparison applies Grove's samples and
// our examples once with our CRDs installed and once with Grove's, and compares what the server
// stored: schema defaults, pruning and validation are all the server's doing, so any difference is
// a difference between the two schemas. Probes of our own (built below) cover what the samples
// leave out: the embedded Kubernetes types' defaults, list keys and template metadata. Only etcd,
// kube-apiserver and kube-controller-manager run (no Grove operator), so objects stay as applied.
import { spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { type CustomResourceDefinition, GROVE_RESOURCE_TYPES, groveCrds } from "@grove-ts/api";
import { createKubeClient } from "@grove-ts/kube";
import {
  type Client,
  CustomResourceDefinitionType,
  isAlreadyExists,
  isApiError,
  type KubeObject,
  NamespaceType,
  type ResourceType,
} from "@grove-ts/runtime";
import { type ControlPlane, kubeBinDir, startControlPlane } from "@grove-ts/simulator";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseAllDocuments } from "yaml";
import { fixturesDir, noteMissingFixtures, repoRoot } from "../src/shared.js";

const SUITE = "kube/crds";
/** Where the unknown-fields copies go, so that they do not collide with the manifests' own names. */
const PROBE_NAMESPACE = "crd-pruning";
/** The field the unknown-fields copies add wherever Grove's schema describes the structure itself. */
const UNKNOWN_FIELD = "notInTheSchema";

let cp: ControlPlane;
let client: Client;
/** Temporary folder for kubectl's HOME and discovery caches; removed in afterAll. */
let scratch: string;

beforeAll(async () => {
  cp = await startControlPlane();
  client = createKubeClient({ kubeconfigPath: cp.kubeconfigPath, qps: -1 });
  scratch = mkdtempSync(join(tmpdir(), "grove-crds-test-"));
});

afterAll(async () => {
  await cp?.stop();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value other than undefined; fails naming `what` after `timeoutMs`. */
async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(200);
  }
}

// ---------------------------------------------------------------------------------------------
// CRDs: install one set, remove it again.

interface Condition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}
type LiveCrd = CustomResourceDefinition & KubeObject;

/** The ResourceType a CRD serves (its storage version). */
function servedType(crd: CustomResourceDefinition): ResourceType {
  const version = crd.spec.versions.find((v) => v.storage) ?? crd.spec.versions[0];
  return {
    apiVersion: `${crd.spec.group}/${version?.name}`,
    kind: crd.spec.names.kind,
    plural: crd.spec.names.plural,
    namespaced: crd.spec.scope === "Namespaced",
  };
}

/** Which set of CRDs is on the server now, so that a test can reuse what an earlier one installed. */
let installed: { source: string; crds: CustomResourceDefinition[] } | undefined;

/**
 * Creates `crds` and waits until each is Established; returns each CRD's final conditions. A
 * create that succeeds proves the schema is structural enough to be accepted and that its CEL rules
 * compile (kube-apiserver answers 422 otherwise).
 */
async function installCrds(
  source: string,
  crds: CustomResourceDefinition[],
): Promise<Map<string, Condition[]>> {
  if (installed?.source === source) return conditionsOf(crds);
  if (installed) await removeCrds();
  for (const crd of crds) {
    try {
      await client.create(CustomResourceDefinitionType, crd as LiveCrd);
    } catch (err) {
      // One message naming the CRD and the server's reason beats a bare 422 in the report.
      const reason = isApiError(err) ? err.message : String(err);
      throw new Error(`${source} CRD ${crd.metadata?.name} was rejected: ${reason}`);
    }
  }
  installed = { source, crds };
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    await waitFor(`${source} CRD ${name} to be Established`, async () => {
      const live = await client.get<LiveCrd>(CustomResourceDefinitionType, name);
      const conds = (live?.status?.conditions ?? []) as Condition[];
      if (!conds.some((c) => c.type === "Established" && c.status === "True")) return undefined;
      // kube-apiserver answers 429 "storage is (re)initializing" for a moment after Established.
      return client.list(servedType(crd), { limit: 1 }).then(
        () => true,
        () => undefined,
      );
    });
  }
  return conditionsOf(crds);
}

async function conditionsOf(crds: CustomResourceDefinition[]): Promise<Map<string, Condition[]>> {
  const out = new Map<string, Condition[]>();
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    const live = await client.get<LiveCrd>(CustomResourceDefinitionType, name);
    out.set(name, (live?.status?.conditions ?? []) as Condition[]);
  }
  return out;
}

/** Deletes the installed CRDs and waits until they are gone (the server deletes their objects first). */
async function removeCrds(): Promise<void> {
  const crds = installed?.crds ?? [];
  installed = undefined;
  for (const crd of crds) await client.delete(CustomResourceDefinitionType, crd.metadata?.name ?? "");
  for (const crd of crds) {
    const name = crd.metadata?.name ?? "";
    await waitFor(`CRD ${name} to be deleted`, async () =>
      (await client.get(CustomResourceDefinitionType, name)) ? undefined : true,
    );
  }
}

/** Grove's own CRDs, as its release ships them. */
function upstreamCrds(): CustomResourceDefinition[] {
  const dir = join(fixturesDir, "upstream-crds");
  return readdirSync(dir)
    .filter((f) => f.endsWith(".yaml"))
    .sort()
    .flatMap((f) => yamlObjects(join(dir, f)) as unknown as CustomResourceDefinition[]);
}

function yamlObjects(file: string): KubeObject[] {
  return parseAllDocuments(readFileSync(file, "utf8"))
    .map((d) => d.toJSON() as KubeObject | null)
    .filter((o): o is KubeObject => o !== null && typeof o === "object");
}

// ---------------------------------------------------------------------------------------------
// Manifests: apply, read back, delete.

interface Manifest {
  /** Where it came from, e.g. "samples/simple/simple1.yaml" (plus "#n" past a file's first object). */
  source: string;
  obj: KubeObject;
}

/** Every object of every *.yaml under `dir` (recursively), labelled relative to `base`. */
function manifestsUnder(dir: string, base: string): Manifest[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith(".yaml") || e.name.endsWith(".yml")) files.push(join(d, e.name));
    }
  };
  walk(dir);
  return files.sort().flatMap((file) =>
    yamlObjects(file).map((obj, i) => ({
      source: relative(base, file) + (i ? `#${i}` : ""),
      obj,
    })),
  );
}

function typeOf(obj: KubeObject): ResourceType {
  const type = GROVE_RESOURCE_TYPES.find((t) => t.apiVersion === obj.apiVersion && t.kind === obj.kind);
  if (!type) throw new Error(`not a Grove kind: ${obj.apiVersion} ${obj.kind}`);
  return type;
}

const namespaceOf = (obj: KubeObject) =>
  typeOf(obj).namespaced ? (obj.metadata.namespace ?? "default") : undefined;

/** What the server made of one manifest: the stored object, or the reason it refused it. */
type Outcome = { accepted: true; stored: unknown; warnings: string } | { accepted: false; error: string };

interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the kubectl built for this release with its own HOME and discovery cache; never throws. */
function kubectl(args: string[], cacheDir: string, input?: string): Promise<KubectlResult> {
  return new Promise((resolve) => {
    const child = spawn(
      join(kubeBinDir(), "kubectl"),
      ["--kubeconfig", cp.kubeconfigPath, "--cache-dir", cacheDir, ...args],
      { env: { ...process.env, HOME: scratch, KUBECONFIG: "" }, stdio: ["pipe", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
    });
    child.stderr.on("data", (c: Buffer) => {
      stderr += c.toString();
    });
    child.on("error", (err) => resolve({ code: -1, stdout, stderr: stderr + err.message }));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(input ?? "");
  });
}

/**
 * The stored object without what the server makes up per write (identity, versions, times, the
 * field managers) and without kubectl's own bookkeeping annotation: what is left is the manifest
 * as the schema defaulted and pruned it.
 */
function stable(obj: KubeObject): unknown {
  const copy = structuredClone(obj);
  const m = copy.metadata;
  delete m.uid;
  delete m.resourceVersion;
  delete m.creationTimestamp;
  delete m.managedFields;
  delete m.generation;
  if (m.annotations) {
    delete m.annotations["kubectl.kubernetes.io/last-applied-configuration"];
    if (Object.keys(m.annotations).length === 0) delete m.annotations;
  }
  return copy;
}

/** Reads back what the server stored for `obj`. */
async function storedOf(obj: KubeObject): Promise<unknown> {
  const live = await client.get<KubeObject>(typeOf(obj), obj.metadata.name ?? "", namespaceOf(obj));
  if (!live) throw new Error(`${obj.kind} ${obj.metadata.name} was accepted but cannot be read back`);
  return stable(live);
}

/** `kubectl apply` as a user would (strict field validation: unknown fields are refused, not dropped). */
async function applyWithKubectl(m: Manifest, cacheDir: string): Promise<Outcome> {
  const r = await kubectl(["apply", "-f", "-"], cacheDir, JSON.stringify(m.obj));
  if (r.code !== 0) return { accepted: false, error: r.stderr.trim() };
  return { accepted: true, stored: await storedOf(m.obj), warnings: r.stderr.trim() };
}

/** A create without field validation: the server prunes unknown fields (with a warning) instead of refusing. */
async function createWithClient(obj: KubeObject): Promise<Outcome> {
  try {
    await client.create(typeOf(obj), obj);
  } catch (err) {
    if (isApiError(err)) return { accepted: false, error: `${err.code} ${err.message}` };
    throw err;
  }
  return { accepted: true, stored: await storedOf(obj), warnings: "" };
}

async function deleteObjects(objs: KubeObject[]): Promise<void> {
  for (const obj of objs) {
    await client.delete(typeOf(obj), obj.metadata.name ?? "", namespaceOf(obj)).catch((err) => {
      if (!(isApiError(err) && err.code === 404)) throw err;
    });
  }
  for (const obj of objs) {
    await waitFor(`${obj.kind} ${obj.metadata.name} to be deleted`, async () =>
      (await client.get(typeOf(obj), obj.metadata.name ?? "", namespaceOf(obj))) ? undefined : true,
    );
  }
}

/**
 * A copy of a PodCliqueSet with a field no schema knows at every level Grove's schema describes
 * itself (the set, its template, cliques, their pod specs and containers, scaling groups). Both
 * CRDs must prune exactly the same ones: a field kept by one and dropped by the other shows a
 * misplaced x-kubernetes-preserve-unknown-fields.
 */
function withUnknownFields(obj: KubeObject): KubeObject {
  const copy = structuredClone(obj) as KubeObject & Record<string, unknown>;
  copy.metadata = { ...copy.metadata, namespace: PROBE_NAMESPACE };
  const paths = [
    "spec",
    "spec.template",
    "spec.template.cliques[]",
    "spec.template.cliques[].spec",
    "spec.template.cliques[].spec.podSpec",
    "spec.template.cliques[].spec.podSpec.containers[]",
    "spec.template.cliques[].spec.podSpec.containers[].resources",
    "spec.template.cliques[].topologyConstraint",
    "spec.template.podCliqueScalingGroups[]",
    "spec.template.podCliqueScalingGroups[].topologyConstraint",
    "spec.template.topologyConstraint",
  ];
  for (const path of paths) for (const node of nodesAt(copy, path.split("."))) node[UNKNOWN_FIELD] = "x";
  return copy;
}

/** The objects at a dotted path; "name[]" steps into every element of a list. */
function nodesAt(node: unknown, steps: string[]): Record<string, unknown>[] {
  if (node === null || typeof node !== "object") return [];
  const [step, ...rest] = steps;
  if (step === undefined) return Array.isArray(node) ? [] : [node as Record<string, unknown>];
  const each = step.endsWith("[]");
  const child = (node as Record<string, unknown>)[each ? step.slice(0, -2) : step];
  if (each) return Array.isArray(child) ? child.flatMap((c) => nodesAt(c, rest)) : [];
  return nodesAt(child, rest);
}

/** Leaf-level differences between two JSON values, as "path: ours=… grove=…" lines. */
function differences(ours: unknown, grove: unknown, path = ""): string[] {
  const isObj = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object";
  if (isObj(ours) && isObj(grove) && Array.isArray(ours) === Array.isArray(grove)) {
    const keys = Array.isArray(ours)
      ? [...Array(Math.max(ours.length, (grove as unknown as unknown[]).length)).keys()].map(String)
      : [...new Set([...Object.keys(ours), ...Object.keys(grove)])].sort();
    return keys.flatMap((k) =>
      differences(ours[k], grove[k], Array.isArray(ours) ? `${path}[${k}]` : path ? `${path}.${k}` : k),
    );
  }
  if (JSON.stringify(ours) === JSON.stringify(grove)) return [];
  const show = (v: unknown) => (v === undefined ? "(absent)" : JSON.stringify(v));
  return [`${path}: ours=${show(ours)} grove=${show(grove)}`];
}

// ---------------------------------------------------------------------------------------------
// Probes: manifests of our own (built here, not copied from Grove) that use the parts of the
// schemas Grove's samples leave out: the embedded Kubernetes types (PodSpec, ResourceClaimTemplate)
// carry schema defaults, list keys and embedded ObjectMeta in Kubernetes' own OpenAPI, and Grove's
// CRDs copy them from there.

const probePodCliqueSet = (name: string, template: Record<string, unknown>): KubeObject =>
  ({
    apiVersion: "grove.io/v1alpha1",
    kind: "PodCliqueSet",
    metadata: { name, namespace: "default" },
    spec: { replicas: 1, template },
  }) as KubeObject;

const probeClique = (podSpec: Record<string, unknown>) => ({
  name: "main",
  spec: { roleName: "main", replicas: 1, podSpec },
});

function probeManifests(): Manifest[] {
  const container = { name: "main", image: "registry.example.com/app:1" };
  const probes: KubeObject[] = [
    // Fields whose absent values Kubernetes' schema defaults (ports[].protocol "TCP", a reference's
    // name "", a gRPC probe's service "").
    probePodCliqueSet("crd-probe-pod-defaults", {
      cliques: [
        probeClique({
          containers: [
            {
              ...container,
              ports: [{ containerPort: 8080 }],
              env: [{ name: "FROM_CM", valueFrom: { configMapKeyRef: { key: "k" } } }],
              envFrom: [{ secretRef: {} }],
              livenessProbe: { grpc: { port: 9000 } },
            },
          ],
          imagePullSecrets: [{}],
          volumes: [{ name: "cfg", configMap: {} }],
        }),
      ],
    }),
    // A toleration's operator defaults to "Equal" in a ResourceClaimTemplate's device request.
    probePodCliqueSet("crd-probe-claim-defaults", {
      cliques: [probeClique({ containers: [container] })],
      resourceClaimTemplates: [
        {
          name: "gpus",
          templateSpec: {
            spec: {
              devices: {
                requests: [
                  {
                    name: "gpu",
                    exactly: {
                      deviceClassName: "gpu.example.com",
                      tolerations: [{ key: "example.com/busy", effect: "NoSchedule" }],
                    },
                  },
                ],
              },
            },
          },
        },
      ],
    }),
    // Embedded ObjectMeta in templates: what each schema keeps of it.
    probePodCliqueSet("crd-probe-embedded-metadata", {
      cliques: [
        probeClique({
          containers: [container],
          volumes: [
            {
              name: "scratch",
              ephemeral: {
                volumeClaimTemplate: {
                  metadata: { labels: { team: "a" }, annotations: { note: "b" } },
                  spec: { accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } },
                },
              },
            },
          ],
        }),
      ],
      resourceClaimTemplates: [
        {
          name: "gpus",
          templateSpec: {
            metadata: { labels: { team: "a" } },
            spec: {
              devices: { requests: [{ name: "gpu", exactly: { deviceClassName: "gpu.example.com" } }] },
            },
          },
        },
      ],
    }),
    // Lists keyed by a field (x-kubernetes-list-type: map): a duplicate key is refused.
    probePodCliqueSet("crd-probe-duplicate-container", {
      cliques: [probeClique({ containers: [container, { ...container }] })],
    }),
    probePodCliqueSet("crd-probe-duplicate-mount", {
      cliques: [
        probeClique({
          containers: [
            {
              ...container,
              volumeMounts: [
                { name: "a", mountPath: "/data" },
                { name: "b", mountPath: "/data" },
              ],
            },
          ],
          volumes: [
            { name: "a", emptyDir: {} },
            { name: "b", emptyDir: {} },
          ],
        }),
      ],
    }),
    // The same pod spec defaults in the PodClique CRD, which embeds PodSpec too.
    {
      apiVersion: "grove.io/v1alpha1",
      kind: "PodClique",
      metadata: { name: "crd-probe-podclique-defaults", namespace: "default" },
      spec: {
        roleName: "main",
        replicas: 1,
        podSpec: { containers: [{ ...container, ports: [{ containerPort: 8080 }] }] },
      },
    } as KubeObject,
  ];
  return probes.map((obj) => ({ source: `probe/${obj.metadata.name}`, obj }));
}

// ---------------------------------------------------------------------------------------------
// Both sides: one pass with our CRDs, one with Grove's, shared by the comparisons below.

interface Stored {
  /** Per manifest: `kubectl apply` of it as written. */
  applied: Map<string, Outcome>;
  /** Per PodCliqueSet manifest: a create of it with unknown fields added (withUnknownFields). */
  unknown: Map<string, Outcome>;
}

/** Applies every manifest (and its unknown-fields copy) with the CRDs of `source` installed, then removes them. */
async function storeAll(
  source: string,
  crds: CustomResourceDefinition[],
  manifests: Manifest[],
): Promise<Stored> {
  await installCrds(source, crds);
  // A fresh discovery cache: the CRDs just changed under the same names.
  const cacheDir = mkdtempSync(join(scratch, `cache-${source}-`));
  const applied = new Map<string, Outcome>();
  const unknown = new Map<string, Outcome>();
  for (const m of manifests) applied.set(m.source, await applyWithKubectl(m, cacheDir));
  for (const m of manifests) {
    if (m.obj.kind === "PodCliqueSet")
      unknown.set(m.source, await createWithClient(withUnknownFields(m.obj)));
  }
  const created = [
    ...manifests.filter((m) => applied.get(m.source)?.accepted).map((m) => m.obj),
    ...manifests.filter((m) => unknown.get(m.source)?.accepted).map((m) => withUnknownFields(m.obj)),
  ];
  await deleteObjects(created);
  return { applied, unknown };
}

let both: Promise<{ ours: Stored; grove: Stored }> | undefined;

/** Runs both passes over Grove's samples, our examples and the probes once, for whichever test asks first. */
function storedByBoth(manifests: Manifest[]): Promise<{ ours: Stored; grove: Stored }> {
  both ??= (async () => {
    await client
      .create(NamespaceType, { apiVersion: "v1", kind: "Namespace", metadata: { name: PROBE_NAMESPACE } })
      .catch((err) => {
        if (!isAlreadyExists(err)) throw err;
      });
    const ours = await storeAll("ours", groveCrds(), manifests);
    const grove = await storeAll("grove", upstreamCrds(), manifests);
    return { ours, grove };
  })();
  return both;
}

/** Compares one manifest's outcome under both CRDs; returns report lines (empty when they agree). */
function compareOutcomes(label: string, ours: Outcome | undefined, grove: Outcome | undefined): string[] {
  if (!ours || !grove) return [`${label}: missing outcome (ours=${!!ours}, grove=${!!grove})`];
  expect.soft(ours.accepted, `${label}: accepted by our CRD vs by Grove's`).toBe(grove.accepted);
  if (ours.accepted !== grove.accepted) {
    const why = (o: Outcome) => (o.accepted ? "accepted" : `rejected (${o.error.replace(/\s+/g, " ")})`);
    return [`${label}: ours ${why(ours)} | grove ${why(grove)}`];
  }
  if (!ours.accepted || !grove.accepted) return [];
  expect.soft(ours.stored, `${label}: stored object, ours vs Grove's`).toEqual(grove.stored);
  return differences(ours.stored, grove.stored).map((d) => `${label}: ${d}`);
}

/** Compares `subset` of the manifests between both passes, printing one line per manifest and every difference. */
function compareAll(title: string, subset: Manifest[], ours: Stored, grove: Stored): void {
  const report: string[] = [];
  const diffs: string[] = [];
  for (const m of subset) {
    const o = ours.applied.get(m.source);
    const g = grove.applied.get(m.source);
    const verdict =
      !o || !g ? "?" : o.accepted !== g.accepted ? "DISAGREE" : o.accepted ? "both accept" : "both reject";
    report.push(`  ${verdict.padEnd(11)} ${m.source}`);
    // Rejections are printed so that a reader sees both refuse for the same reason.
    if (o && !o.accepted) report.push(`      ours:  ${o.error.replace(/\s+/g, " ")}`);
    if (g && !g.accepted) report.push(`      grove: ${g.error.replace(/\s+/g, " ")}`);
    if (o?.accepted && o.warnings) report.push(`      ours warns:  ${o.warnings}`);
    if (g?.accepted && g.warnings) report.push(`      grove warns: ${g.warnings}`);
    diffs.push(...compareOutcomes(`${m.source} (kubectl apply)`, o, g));
    if (ours.unknown.has(m.source) || grove.unknown.has(m.source))
      diffs.push(
        ...compareOutcomes(
          `${m.source} (unknown fields)`,
          ours.unknown.get(m.source),
          grove.unknown.get(m.source),
        ),
      );
    // The copy exercises pruning only if Grove's schema does drop every added field.
    const gu = grove.unknown.get(m.source);
    if (gu?.accepted)
      expect
        .soft(JSON.stringify(gu.stored), `${m.source}: Grove's CRD prunes ${UNKNOWN_FIELD}`)
        .not.toContain(UNKNOWN_FIELD);
  }
  console.log(
    `[${SUITE}] ${title}: ${subset.length} manifests, our CRDs vs Grove's:\n${report.join("\n")}\n` +
      (diffs.length ? `differences:\n${diffs.map((d) => `  ${d}`).join("\n")}` : "no differences"),
  );
}

// ---------------------------------------------------------------------------------------------

describe("our CRDs on the real kube-apiserver", () => {
  it("are accepted: created (CEL rules compile), Established, names accepted, structural", {
    timeout: 300_000,
  }, async () => {
    const crds = groveCrds();
    const conditions = await installCrds("ours", crds);
    for (const crd of crds) {
      const name = crd.metadata?.name ?? "";
      const conds = conditions.get(name) ?? [];
      const status = (type: string) => conds.find((c) => c.type === type)?.status;
      expect(status("Established"), `${name} Established`).toBe("True");
      expect(status("NamesAccepted"), `${name} NamesAccepted`).toBe("True");
      // v1 refuses a non-structural schema at create; an accepted one would still say so here.
      expect(
        conds.filter((c) => c.type === "NonStructuralSchema" && c.status === "True"),
        `${name} NonStructuralSchema`,
      ).toEqual([]);
      // The server serves the kind: an empty list answers.
      await expect(client.list(servedType(crd))).resolves.toMatchObject({ items: [] });
    }
  });

  describe.skipIf(noteMissingFixtures(SUITE))("compared with Grove's own CRDs", () => {
    const samples = () => [
      ...manifestsUnder(join(fixturesDir, "samples"), fixturesDir),
      ...manifestsUnder(join(repoRoot, "examples"), repoRoot),
    ];
    const all = () => [...samples(), ...probeManifests()];

    it("store Grove's samples and our examples exactly as Grove's CRDs do (defaults, pruning, validation)", {
      timeout: 900_000,
    }, async () => {
      const subset = samples();
      expect(subset.length).toBeGreaterThan(0);
      const { ours, grove } = await storedByBoth(all());
      // Grove's own CRDs take at least some of the manifests, or the comparison proves nothing.
      expect(subset.some((m) => grove.applied.get(m.source)?.accepted)).toBe(true);
      compareAll("Grove's samples and our examples", subset, ours, grove);
    });

    it("store objects using the embedded Kubernetes types (schema defaults, list keys, template metadata) as Grove's CRDs do", {
      timeout: 900_000,
    }, async () => {
      const { ours, grove } = await storedByBoth(all());
      compareAll("probes of the embedded Kubernetes types", probeManifests(), ours, grove);
    });
  });
});
