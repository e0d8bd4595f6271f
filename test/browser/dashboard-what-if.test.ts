// The dashboard's what-if in a real browser (Debian's chromium driven by playwright-core), on
// grove-sim's default cluster: 16 GPU nodes of 8 GPUs, 4 per rack. Three racks each get a node
// cordoned (with the real kubectl), so one rack alone can take a gang of four 8-GPU pods that must
// share a rack. Pasted, such a PodCliqueSet "would land on" that rack, its 32 GPUs hatched; applied
// for real, the scheduler binds it to those very nodes. Picked from the cluster (renamed), the same
// PodCliqueSet again would not fit, with the solver's reason; bad input shows the field errors.
// A screenshot of the hatched what-if is kept under test/dist/browser/. Without /usr/bin/chromium the suite is skipped with a message (chromium.ts).
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type KubeObject, NodeType, PodType } from "@grove-ts/runtime";
import { type Dashboard, type Simulator, startSimDashboard, startSimulator } from "@grove-ts/simulator";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kubectl } from "../e2e/lib/kubectl.js";
import { waitFor } from "../e2e/lib/wait.js";
import { launch, present } from "./chromium.js";
import { rackPcs } from "./workloads.js";

const RACK = "kubernetes.io/rack";
const SHOT = join(import.meta.dirname, "..", "dist", "browser", "dashboard-what-if.png");

interface NodeLike extends KubeObject {
  spec?: { unschedulable?: boolean };
  status?: { allocatable?: Record<string, string> };
}

describe.skipIf(!present)("dashboard what-if in chromium", () => {
  let dir: string;
  let sim: Simulator;
  let dash: Dashboard;
  let kubectl: Kubectl;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "grove-whatif-"));
    sim = await startSimulator({ kubeconfigPath: join(dir, "kubeconfig"), readyDelayMs: 20 });
    dash = await startSimDashboard(sim, { host: "127.0.0.1", port: 0 });
    kubectl = new Kubectl(sim.kubeconfigPath, dir);
    for (const n of ["gpu-node-0", "gpu-node-4", "gpu-node-8"]) await kubectl.ok(["cordon", n]);
    browser = await launch(dir);
    page = await browser.newPage();
    await page.goto(dash.url);
    await page.locator("#state.live").waitFor({ timeout: 30_000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** What the API says: the rack whose GPU nodes are all schedulable, and those nodes. */
  async function freeRack(): Promise<{ rack: string; nodes: string[] }> {
    const nodes = (await sim.client.list<NodeLike>(NodeType)).items.filter(
      (n) => Number(n.status?.allocatable?.["nvidia.com/gpu"] ?? 0) > 0,
    );
    const racks = new Map<string, NodeLike[]>();
    for (const n of nodes) {
      const r = n.metadata.labels?.[RACK] ?? "";
      racks.set(r, [...(racks.get(r) ?? []), n]);
    }
    const free = [...racks].filter(([, ns]) => ns.every((n) => !n.spec?.unschedulable));
    expect(free).toHaveLength(1);
    const [rack, ns] = free[0] as [string, NodeLike[]];
    return { rack, nodes: ns.map((n) => n.metadata.name ?? "").sort() };
  }

  async function run(text: string): Promise<string[]> {
    await page.fill("#wi-text", text);
    await page.click("#wi-run");
    await expect
      .poll(() => page.locator("#wi-out").getAttribute("data-state"), { timeout: 30_000 })
      .toMatch(/^(done|error)$/);
    return (await page.locator("#wi-out li").allTextContents()).map((l) => l.trim());
  }

  it("a pasted PodCliqueSet would land on the free rack, its GPUs hatched; applied, it lands there", async () => {
    const { rack, nodes } = await freeRack();
    const lines = await run(rackPcs("wi", 4));
    expect(lines).toEqual([`wi-0 · 4 pods, 32 GPUs: would land on rack ${rack} (4 nodes)`]);
    const hatched = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>(".host .g.wi")).map(
        (c) => (c.closest(".host") as HTMLElement).dataset.node ?? "",
      ),
    );
    expect(hatched).toHaveLength(32);
    expect([...new Set(hatched)].sort()).toEqual(nodes);
    mkdirSync(dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT });
    // Nothing was applied: the what-if writes nothing.
    expect(await kubectl.ok(["get", "pcs", "-o", "name"])).toBe("");

    // Applied for real, the scheduler binds it to the very nodes the what-if showed.
    await kubectl.ok(["apply", "-f", "-"], rackPcs("wi", 4));
    let bound: string[] = [];
    await waitFor(
      "wi-0's pods bound",
      async () => {
        const pods = (
          await sim.client.list<KubeObject & { spec?: { nodeName?: string } }>(PodType, {
            namespace: "default",
            labelSelector: "grove.io/podgang=wi-0",
          })
        ).items;
        bound = pods.map((p) => p.spec?.nodeName ?? "").filter(Boolean);
        return { ok: pods.length === 4 && bound.length === 4, state: JSON.stringify(bound) };
      },
      { timeoutMs: 60_000 },
    );
    expect([...new Set(bound)].sort()).toEqual(nodes);
  });

  it("picked from the cluster (renamed), the same PodCliqueSet would not fit now, with the reason", async () => {
    await expect
      .poll(() => page.locator("#wi-pick option").allTextContents(), { timeout: 30_000 })
      .toContain("default/wi");
    await page.selectOption("#wi-pick", "default/wi");
    await expect.poll(() => page.inputValue("#wi-text"), { timeout: 10_000 }).toContain('"wi-whatif"');
    const lines = await run(await page.inputValue("#wi-text"));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^wi-whatif-0 · 4 pods, 32 GPUs: would not fit: .*rack/);
    expect(await page.locator(".host .g.wi").count()).toBe(0);
  });

  it("shows bad input's field errors", async () => {
    const lines = await run(
      rackPcs("bad", 4).replace("replicas: 4", "replicas: 4\n          minAvailable: 9"),
    );
    expect(await page.locator("#wi-out").getAttribute("data-state")).toBe("error");
    expect(lines.join("\n")).toMatch(/spec\.template\.cliques\[0\]\.spec\.minAvailable: /);
  });
});
