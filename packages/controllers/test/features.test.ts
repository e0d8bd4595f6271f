// Startup ordering wiring (init container), topology translation against a live
// ClusterTopologyBinding, priority class and template metadata, and errors recorded in lastErrors.
import { ClusterTopologyBindingType, PodCliqueSetType, PodCliqueType, PodGangType } from "@grove-ts/api";
import { type KubeObject, SecretType } from "@grove-ts/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { GroveControllers } from "../src/index.js";
import type { PodClique, PodCliqueSet, PodGang } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import {
  createPcs,
  fastControllers,
  type Harness,
  listPods,
  NS,
  runToReady,
  startHarness,
  waitFor,
} from "./harness.js";

describe("features", () => {
  let h: Harness;
  let ctl: GroveControllers;
  beforeEach(async () => {
    h = await startHarness();
    ctl = fastControllers(h.client, { initContainerImage: "example.test/grove-initc:v1" });
    await ctl.start();
  });
  afterEach(async () => {
    await ctl.stop();
    await h.close();
  });

  it("explicit startup order: PodClique startsAfter as FQNs and the grove-initc init container", async () => {
    await createPcs(
      h.client,
      pcsOf(
        "simple2",
        [
          { name: "pca", replicas: 2, minAvailable: 1 },
          { name: "pcb", replicas: 1, extra: { startsAfter: ["pca"] } },
          { name: "pcd", replicas: 1, extra: { startsAfter: ["pca", "pcb"] } },
        ],
        [],
        1,
        { cliqueStartupType: "CliqueStartupTypeExplicit" },
      ),
    );
    await runToReady(h.client, 4);
    const pcd = await h.client.get<PodClique>(PodCliqueType, "simple2-0-pcd", NS);
    expect(pcd?.spec.startsAfter).toEqual(["simple2-0-pca", "simple2-0-pcb"]);
    const pca = await h.client.get<PodClique>(PodCliqueType, "simple2-0-pca", NS);
    expect(pca?.spec.startsAfter).toBeUndefined();
    const [pod] = await listPods(h.client, "grove.io/podclique=simple2-0-pcd");
    const initc = pod?.spec?.initContainers?.find((c) => c.name === "grove-initc");
    expect(initc?.image).toBe("example.test/grove-initc:v1");
    expect(initc?.args).toEqual(["--podcliques=simple2-0-pca:1", "--podcliques=simple2-0-pcb:1"]);
    expect(initc?.volumeMounts?.map((m) => m.mountPath)).toEqual([
      "/var/grove/pod-info",
      "/var/run/secrets/kubernetes.io/serviceaccount",
    ]);
    expect(pod?.spec?.volumes?.find((v) => v.name === "sa-token-secret-vol")?.secret).toEqual({
      secretName: "simple2-ic-sat",
      defaultMode: 420,
    });
    expect(
      pod?.spec?.volumes?.find((v) => v.name === "pod-info-vol")?.downwardAPI?.items?.map((i) => i.path),
    ).toEqual(["namespace", "podgangname"]);
    const [pcaPod] = await listPods(h.client, "grove.io/podclique=simple2-0-pca");
    expect(pcaPod?.spec?.initContainers).toBeUndefined();
  });

  it("topology constraints become node-label keys while the ClusterTopologyBinding exists, and vanish with it", async () => {
    await h.client.create(ClusterTopologyBindingType, {
      apiVersion: "grove.io/v1alpha1",
      kind: "ClusterTopologyBinding",
      metadata: { name: "fabric" },
      spec: {
        levels: [
          { domain: "zone", key: "topology.kubernetes.io/zone" },
          { domain: "rack", key: "topology.kubernetes.io/rack" },
        ],
      },
    } as KubeObject);
    await createPcs(
      h.client,
      pcsOf("tas", [{ name: "w", replicas: 2 }], [], 1, {
        topologyConstraint: { topologyName: "fabric", pack: { required: "rack" } },
      }),
    );
    const pg = await waitFor("gang with constraint", async () => {
      const g = await h.client.get<PodGang>(PodGangType, "tas-0", NS);
      return g?.spec.topologyConstraint && g;
    });
    expect(pg.spec.topologyConstraint).toEqual({
      packConstraint: { required: "topology.kubernetes.io/rack" },
    });
    expect(pg.metadata.annotations?.["grove.io/topology-name"]).toBe("fabric");
    // The ClusterTopologyBinding controller runs as part of createGroveControllers.
    await waitFor("CTB status", async () => {
      const ctb = await h.client.get<KubeObject & { status?: { conditions?: { type: string }[] } }>(
        ClusterTopologyBindingType,
        "fabric",
      );
      return ctb?.status?.conditions?.some((c) => c.type === "SchedulerTopologyDrift");
    });
    const cond = async () =>
      (await h.client.get<PodCliqueSet>(PodCliqueSetType, "tas", NS))?.status?.conditions?.find(
        (c) => c.type === "TopologyLevelsUnavailable",
      );
    await waitFor(
      "levels available",
      async () => (await cond())?.reason === "AllClusterTopologyLevelsAvailable",
    );

    await h.client.delete(ClusterTopologyBindingType, "fabric");
    const after = await waitFor("constraint dropped", async () => {
      const g = await h.client.get<PodGang>(PodGangType, "tas-0", NS);
      return g && !g.spec.topologyConstraint && g;
    });
    expect(after.metadata.annotations?.["grove.io/topology-name"]).toBeUndefined();
    await waitFor("CT not found", async () => (await cond())?.reason === "ClusterTopologyNotFound");
  });

  it("priority class on PodGangs only; template labels and annotations on PodCliques and pods", async () => {
    const pcs = pcsOf("meta", [{ name: "w", replicas: 1 }], [], 1, { priorityClassName: "high" });
    const clique = pcs.spec.template.cliques[0] as {
      labels?: Record<string, string>;
      annotations?: Record<string, string>;
    };
    clique.labels = { team: "infra" };
    clique.annotations = { note: "hello", "grove.io/topology-name": "stripped" };
    pcs.metadata.labels = { app: "demo", "grove.io/internal": "x" };
    await createPcs(h.client, pcs);
    await runToReady(h.client, 1);
    const pg = await waitFor("gang", () => h.client.get<PodGang>(PodGangType, "meta-0", NS));
    expect(pg.spec.priorityClassName).toBe("high");
    expect(pg.metadata.labels?.app).toBe("demo");
    expect(pg.metadata.labels?.["grove.io/internal"]).toBeUndefined();
    const [pod] = await listPods(h.client, "grove.io/podclique=meta-0-w");
    expect(pod?.spec?.priorityClassName).toBeUndefined();
    expect(pod?.metadata.labels?.team).toBe("infra");
    expect(pod?.metadata.annotations).toEqual({ note: "hello" });
    const pclq = await h.client.get<PodClique>(PodCliqueType, "meta-0-w", NS);
    expect(pclq?.metadata.annotations).toEqual({ note: "hello" });
  });

  it("a foreign SA token Secret is a conflict recorded in status.lastErrors, and nothing below it is created", async () => {
    await h.client.create(SecretType, {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "conf-ic-sat", namespace: NS },
      data: { token: Buffer.from("x").toString("base64") },
    } as KubeObject);
    await createPcs(h.client, pcsOf("conf", [{ name: "w", replicas: 1 }]));
    const pcs = await waitFor("lastErrors", async () => {
      const p = await h.client.get<PodCliqueSet>(PodCliqueSetType, "conf", NS);
      return (p?.status?.lastErrors?.length ?? 0) > 0 && p;
    });
    expect(pcs.status?.lastErrors?.map((e) => e.code)).toContain("ERR_SECRET_CONFLICT");
    expect(pcs.status?.observedGeneration).toBeUndefined();
    expect((await h.client.list(PodCliqueType, { namespace: NS })).items).toEqual([]);
    // Removing the foreign Secret lets the PCS proceed and clears lastErrors.
    await h.client.delete(SecretType, "conf-ic-sat", NS);
    await runToReady(h.client, 1);
    await waitFor("conflict cleared from lastErrors", async () => {
      const p = await h.client.get<PodCliqueSet>(PodCliqueSetType, "conf", NS);
      return (
        p?.status?.lastErrors !== undefined &&
        !p.status.lastErrors.some((e) => e.code === "ERR_SECRET_CONFLICT")
      );
    });
  });
});
