// The dashboard at size, in chromium: 1,024 GPUs (128 hosts of 8) drawn GPU by GPU, and 10,000
// GPUs (1,250 hosts) drawn one heat cell per host, each readable (every host present, a hover card
// naming the host's gangs), and a change reaching an open page. Nodes and bound pods are written
// straight into our in-process API server (no scheduler: only the page is under test here). The
// times printed are measurements, not assertions.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groveCrds, PodGangType } from "@grove-ts/api";
import { createApiServer, type InProcessApiServer } from "@grove-ts/apiserver";
import {
  type Client,
  CustomResourceDefinitionType,
  type KubeObject,
  NodeType,
  PodType,
} from "@grove-ts/runtime";
import { type Dashboard, startSimDashboard } from "@grove-ts/simulator";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, present } from "./chromium.js";

const SHOTS = join(import.meta.dirname, "..", "dist", "browser");

/** `hosts` nodes of 8 GPUs in racks of 8, blocks of 8 racks, zones of 4 blocks; gangs of 4 pods x 8 GPUs on the first `busy` hosts. */
async function fill(client: Client, hosts: number, busy: number): Promise<void> {
  for (const crd of groveCrds())
    await client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
  await client.create(
    {
      apiVersion: "grove.io/v1alpha1",
      kind: "ClusterTopologyBinding",
      plural: "clustertopologybindings",
      namespaced: false,
    },
    {
      apiVersion: "grove.io/v1alpha1",
      kind: "ClusterTopologyBinding",
      metadata: { name: "scale" },
      spec: {
        levels: [
          { domain: "zone", key: "z" },
          { domain: "block", key: "b" },
          { domain: "rack", key: "r" },
          { domain: "host", key: "kubernetes.io/hostname" },
        ],
      },
    } as KubeObject,
  );
  const writes: Promise<unknown>[] = [];
  for (let i = 0; i < hosts; i++) {
    const rack = Math.floor(i / 8);
    writes.push(
      client.create(NodeType, {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
          name: `h-${i}`,
          labels: {
            z: `z-${Math.floor(rack / 32)}`,
            b: `b-${Math.floor(rack / 8)}`,
            r: `r-${rack}`,
            "kubernetes.io/hostname": `h-${i}`,
          },
        },
        status: { allocatable: { "nvidia.com/gpu": "8", cpu: "64" } },
      } as KubeObject),
    );
  }
  for (let g = 0; g < busy / 4; g++)
    writes.push(
      client.create(PodGangType, {
        apiVersion: PodGangType.apiVersion,
        kind: "PodGang",
        metadata: { name: `g-${g}`, namespace: "default" },
        spec: { podgroups: [{ name: "w", podReferences: [], minReplicas: 4 }] },
      } as KubeObject),
    );
  for (let i = 0; i < busy; i++)
    writes.push(client.create(PodType, gangPod(`g-${Math.floor(i / 4)}`, i, `h-${i}`)));
  await Promise.all(writes);
}

const gangPod = (gang: string, i: number, node: string): KubeObject =>
  ({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: `${gang}-${i}`,
      namespace: "default",
      labels: { "grove.io/podgang": gang, "app.kubernetes.io/part-of": "big" },
    },
    spec: {
      nodeName: node,
      containers: [{ name: "c", image: "x", resources: { requests: { "nvidia.com/gpu": "8" } } }],
    },
  }) as KubeObject;

describe.skipIf(!present).each([
  { gpus: 1_024, hosts: 128, busy: 96, cells: ".host .g", perHost: 8 },
  { gpus: 10_000, hosts: 1_250, busy: 1_000, cells: ".heat", perHost: 1 },
])("dashboard at $gpus GPUs", ({ gpus, hosts, busy, cells, perHost }) => {
  let dir: string;
  let api: InProcessApiServer;
  let dash: Dashboard;
  let browser: BrowserContext;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "grove-browser-scale-"));
    api = createApiServer();
    await fill(api.client, hosts, busy);
    dash = await startSimDashboard(
      { client: api.client, token: "unused-on-loopback" },
      { host: "127.0.0.1", port: 0 },
    );
    browser = await launch(dir, { width: 1600, height: 1000 });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await api?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("draws every host, reads back each host's use, and follows a change", async () => {
    const page = await browser.newPage();
    const t0 = Date.now();
    await page.goto(dash.url);
    await expect.poll(() => page.locator(cells).count(), { timeout: 60_000 }).toBe(hosts * perHost);
    const drawn = Date.now() - t0;
    expect(await page.locator("#totals").textContent()).toContain(`${busy * 8} of ${gpus} GPUs used`);
    // Every rack is a box of its own, under its block and zone.
    expect(
      await page.locator('.dom[data-level="zone"] .dom[data-level="block"] .dom[data-level="rack"]').count(),
    ).toBe(Math.ceil(hosts / 8));
    // A busy host reads as busy: its cells name its gang, or its heat cell says 8 of 8 used.
    const first = page.locator(perHost === 8 ? '[data-node="h-0"] .g' : '[data-node="h-0"]').first();
    await first.hover();
    await expect.poll(() => page.locator("#tip").textContent()).toContain("g-0");
    // A change reaches the open page.
    const t1 = Date.now();
    await api.client.create(PodType, gangPod("late", 0, `h-${hosts - 1}`));
    await expect
      .poll(
        () =>
          page
            .locator(`[data-node="h-${hosts - 1}"]`)
            .first()
            .evaluate((e) => e.outerHTML),
        { timeout: 30_000 },
      )
      .toMatch(/<span>8\/8<\/span>|data-used="8"/);
    const followed = Date.now() - t1;
    const bytes = (await (await fetch(`${dash.url}api/model`)).text()).length;
    mkdirSync(SHOTS, { recursive: true });
    await page.screenshot({ path: join(SHOTS, `dashboard-${gpus}.png`) });
    console.log(
      `[dashboard ${gpus} GPUs] first draw ${drawn} ms, a change on the page ${followed} ms, model ${Math.round(bytes / 1024)} KiB`,
    );
  });
});
