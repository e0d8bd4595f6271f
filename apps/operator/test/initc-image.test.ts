import { PodCliqueSetType } from "@grove-ts/api";
import type { RunningApiServer } from "@grove-ts/apiserver";
import { OPERATOR_VERSION } from "@grove-ts/controllers";
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveCli, UsageError } from "../src/cli/options.js";
import { OperatorConfigError, parseOperatorConfig, startOperator } from "../src/index.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

const config = (initContainer: unknown) =>
  `apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\ninitContainer: ${JSON.stringify(initContainer)}\n`;

describe("--initc-image and initContainer.image", () => {
  const files: Record<string, string> = {
    "initc.yaml": config({ image: "registry.test:5000/team/grove-initc" }),
  };
  const read = (p: string) => {
    const f = files[p];
    if (f === undefined) throw new Error("ENOENT");
    return f;
  };

  it("the file's field is acted on (not reported as ignored); the flag beats it; neither leaves the default", () => {
    const parsed = parseOperatorConfig(read("initc.yaml"));
    expect(parsed.initContainerImage).toBe("registry.test:5000/team/grove-initc");
    expect(parsed.ignored).not.toContain("initContainer.image");
    expect(resolveCli(["--kubeconfig", "k", "--config", "initc.yaml"], read).options.initContainerImage).toBe(
      "registry.test:5000/team/grove-initc",
    );
    expect(
      resolveCli(["--kubeconfig", "k", "--config", "initc.yaml", "--initc-image", "mine/initc:v9"], read)
        .options.initContainerImage,
    ).toBe("mine/initc:v9");
    expect(resolveCli(["--kubeconfig", "k"], read).options.initContainerImage).toBeUndefined();
  });

  it.each([[""], ["a b"]])("--initc-image %j is refused, naming the flag and the rule", (bad) => {
    expect(() => resolveCli(["--kubeconfig", "k", "--initc-image", bad], read)).toThrow(UsageError);
    expect(() => resolveCli(["--kubeconfig", "k", "--initc-image", bad], read)).toThrow(
      /--initc-image: must be an image reference, repository\[:tag\], without spaces/,
    );
  });

  it.each([[{ image: 3 }], [{ image: "" }], ["x"]])("initContainer %j is refused, naming the field", (v) => {
    let err: unknown;
    try {
      parseOperatorConfig(config(v));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperatorConfigError);
    expect((err as OperatorConfigError).problems[0]?.field).toMatch(/^initContainer(\.image)?$/);
  });
});

describe("grove-operator puts the image into startsAfter pods", () => {
  let cluster: TestCluster;
  let api: RunningApiServer;
  let kubeconfig: string;
  beforeAll(async () => {
    cluster = await startTestCluster("grove-operator-initc");
    ({ api, kubeconfig } = cluster);
  });
  afterAll(() => cluster?.close());

  const pcs = (name: string): KubeObject =>
    ({
      apiVersion: "grove.io/v1alpha1",
      kind: "PodCliqueSet",
      metadata: { name, namespace: "default" },
      spec: {
        replicas: 1,
        template: {
          cliqueStartupType: "CliqueStartupTypeInOrder",
          cliques: ["a", "b"].map((c) => ({
            name: c,
            spec: { roleName: c, replicas: 1, podSpec: { containers: [{ name: "c", image: "busybox" }] } },
          })),
        },
      },
    }) as KubeObject;

  async function initcImageOf(pcsName: string): Promise<string | undefined> {
    const end = Date.now() + 15_000;
    for (;;) {
      const pods = await api.client.list<
        KubeObject & { spec?: { initContainers?: { name: string; image?: string }[] } }
      >(PodType, { namespace: "default", labelSelector: `grove.io/podclique=${pcsName}-0-b` });
      const initc = pods.items[0]?.spec?.initContainers?.find((c) => c.name === "grove-initc");
      if (initc) return initc.image;
      if (Date.now() > end) throw new Error(`no pod of ${pcsName}-0-b with grove-initc`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  it("--initc-image given as a repository gets the operator version as tag", async () => {
    const op = await startOperator({
      kubeconfigPath: kubeconfig,
      scheduler: false,
      initContainerImage: "example.test/initc",
    });
    try {
      await api.client.create(PodCliqueSetType, pcs("given"));
      expect(await initcImageOf("given")).toBe(`example.test/initc:${OPERATOR_VERSION}`);
    } finally {
      await op.stop();
    }
  });

  it("by default our own image, not upstream's", async () => {
    const saved = process.env.GROVE_INIT_CONTAINER_IMAGE;
    delete process.env.GROVE_INIT_CONTAINER_IMAGE;
    const op = await startOperator({ kubeconfigPath: kubeconfig, scheduler: false });
    try {
      await api.client.create(PodCliqueSetType, pcs("dflt"));
      expect(await initcImageOf("dflt")).toBe(`grove-ts/grove-initc:${OPERATOR_VERSION}`);
    } finally {
      await op.stop();
      if (saved !== undefined) process.env.GROVE_INIT_CONTAINER_IMAGE = saved;
    }
  });
});
