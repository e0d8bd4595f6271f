// The live placement dashboard in a real browser (Debian's chromium driven by playwright-core):
// grove-sim in this process with the example workloads applied by the real kubectl, the page
// served by grove-sim's own dashboard mount. The page shows each gang on the nodes the API says,
// follows a `kubectl scale`, shows a pending gang with the scheduler's reason, and its hover names
// PCS, clique, PodGang, priority and queue. A screenshot is kept under test/dist/browser/ (and
// written to $DASHBOARD_SCREENSHOT when set: `npm run docs:screenshot`). Without /usr/bin/chromium
// (a machine that never ran .ci/run) the suite is skipped with a message saying so.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { PodGangType } from "@grove-ts/api";
import { type KubeObject, PodType } from "@grove-ts/runtime";
import { type Dashboard, type Simulator, startSimDashboard, startSimulator } from "@grove-ts/simulator";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Kubectl } from "../e2e/lib/kubectl.js";
import { waitFor } from "../e2e/lib/wait.js";
import { CHROMIUM, ci, launch, present } from "./chromium.js";
import { rackPcs } from "./workloads.js";

const EXAMPLES = join(import.meta.dirname, "..", "..", "examples");
const SHOT = join(import.meta.dirname, "..", "dist", "browser", "dashboard.png");

describe.runIf(!present && ci)("dashboard in chromium (CI)", () => {
  it("has Debian's chromium, which .ci/run installs", () => {
    expect.fail(`no chromium at ${CHROMIUM}: .ci/run's apt-get install failed`);
  });
});

interface PodLike extends KubeObject {
  spec?: { nodeName?: string; containers?: { resources?: { requests?: Record<string, string> } }[] };
}

/** What the API says: for each node, GPUs held per PodGang. */
async function apiPlacement(sim: Simulator): Promise<Record<string, Record<string, number>>> {
  const pods = (await sim.client.list<PodLike>(PodType, { namespace: "default" })).items;
  const out: Record<string, Record<string, number>> = {};
  for (const p of pods) {
    const node = p.spec?.nodeName;
    const gang = p.metadata.labels?.["grove.io/podgang"];
    const gpus = (p.spec?.containers ?? []).reduce(
      (s, c) => s + Number(c.resources?.requests?.["nvidia.com/gpu"] ?? 0),
      0,
    );
    if (!node || !gang || gpus === 0) continue;
    out[node] ??= {};
    (out[node] as Record<string, number>)[gang] = ((out[node] as Record<string, number>)[gang] ?? 0) + gpus;
  }
  return out;
}

/** What the page shows: for each host box, its GPU cells per gang. */
function pagePlacement(page: Page): Promise<Record<string, Record<string, number>>> {
  return page.evaluate(() => {
    const out: Record<string, Record<string, number>> = {};
    for (const cell of Array.from(document.querySelectorAll<HTMLElement>(".host .g[data-gang]"))) {
      const node = (cell.closest(".host") as HTMLElement).dataset.node ?? "";
      const gang = cell.dataset.gang ?? "";
      out[node] ??= {};
      (out[node] as Record<string, number>)[gang] = ((out[node] as Record<string, number>)[gang] ?? 0) + 1;
    }
    return out;
  });
}

/** Waits until the page shows exactly what the API says (the page is live: no reload). */
async function pageMatchesApi(page: Page, sim: Simulator, what: string): Promise<void> {
  let last = "";
  await waitFor(
    what,
    async () => {
      const [want, got] = [await apiPlacement(sim), await pagePlacement(page)];
      last = JSON.stringify({ api: want, page: got });
      return { ok: Object.keys(want).length > 0 && canonical(got) === canonical(want), state: last };
    },
    { timeoutMs: 60_000, intervalMs: 250 },
  );
}

/** Node by node, gang by gang, in name order: the page's order (topology) is not the API's. */
function canonical(o: Record<string, Record<string, number>>): string {
  return JSON.stringify(
    Object.entries(o)
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([n, gs]) => [n, Object.entries(gs).sort(([a], [b]) => a.localeCompare(b))]),
  );
}

describe.skipIf(!present)("dashboard in chromium", () => {
  let dir: string;
  let sim: Simulator;
  let dash: Dashboard;
  let kubectl: Kubectl;
  let browser: BrowserContext;
  let page: Page;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "grove-browser-"));
    sim = await startSimulator({ kubeconfigPath: join(dir, "kubeconfig"), readyDelayMs: 20 });
    dash = await startSimDashboard(sim, { host: "127.0.0.1", port: 0 });
    kubectl = new Kubectl(sim.kubeconfigPath, dir);
    for (const f of readdirSync(EXAMPLES)
      .filter((n) => n.endsWith(".yaml"))
      .sort())
      await kubectl.ok(["apply", "-f", join(EXAMPLES, f)]);
    browser = await launch(dir);
    page = await browser.newPage();
    await page.goto(dash.url);
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await dash?.close();
    await sim?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("shows every example gang's GPUs on the nodes the API binds its pods to", async () => {
    await waitFor(
      "every example pod bound",
      async () => {
        const pods = (await sim.client.list<PodLike>(PodType, { namespace: "default" })).items;
        const unbound = pods.filter((p) => !p.spec?.nodeName).map((p) => p.metadata.name);
        return {
          ok: pods.length >= 21 && unbound.length === 0,
          state: `${pods.length} pods, unbound ${unbound}`,
        };
      },
      { timeoutMs: 60_000 },
    );
    await pageMatchesApi(page, sim, "the page to show the API's placement");
    await expect.poll(() => page.locator("#state").textContent()).toBe("live");
    // The topology as nested boxes, broadest first.
    expect(
      await page
        .locator('.dom[data-level="zone"] .dom[data-level="block"] .dom[data-level="rack"] .host')
        .count(),
    ).toBe(46);
    // Free capacity: the cells no pod holds, per host and per domain.
    const free = await page.locator(".host .g.free").count();
    const used = await page.locator(".host .g[data-gang]").count();
    expect(free + used).toBe(128);
    expect(await page.locator("#totals").textContent()).toContain(`${used} of 128 GPUs used`);
  });

  it("hovering a GPU names its PodCliqueSet, clique, PodGang, priority and queue", async () => {
    const cell = page.locator('.host .g[data-gang="multinode-0"]').first();
    await cell.hover();
    const tip = page.locator("#tip");
    await expect.poll(() => tip.isVisible()).toBe(true);
    const lines = await tip.locator("div").allTextContents();
    expect(lines).toContain("PodCliqueSet: multinode");
    expect(lines).toContainEqual(expect.stringMatching(/^clique: multinode-0-model-0-(leader|worker)$/));
    expect(lines).toContain("PodGang: multinode-0");
    expect(lines).toContainEqual(expect.stringMatching(/^priority: -?\d+/));
    expect(lines).toContainEqual(expect.stringMatching(/^queue: /));
  });

  it("follows kubectl scale: the new replica's gang appears where the API puts it", async () => {
    await kubectl.ok(["scale", "pcs", "agg", "--replicas=2"]);
    await waitFor(
      "agg-1's pods bound",
      async () => {
        const pods = (
          await sim.client.list<PodLike>(PodType, {
            namespace: "default",
            labelSelector: "grove.io/podgang=agg-1",
          })
        ).items;
        return { ok: pods.length > 0 && pods.every((p) => p.spec?.nodeName), state: `${pods.length} pods` };
      },
      { timeoutMs: 60_000 },
    );
    await pageMatchesApi(page, sim, "the page to show agg-1 where the API placed it");
    expect(await page.locator('.host .g[data-gang="agg-1"]').count()).toBeGreaterThan(0);
    expect(await page.locator('#gangs .gang[data-gang="agg-1"]').count()).toBe(1);
  });

  it("lists a gang that cannot be placed with the scheduler's reason", async () => {
    // Five 8-GPU pods that must share a rack: no rack has five nodes.
    await kubectl.ok(["apply", "-f", "-"], rackPcs("wide", 5));
    let reason: string[] = [];
    await waitFor(
      "the PodGang's Scheduled=False reason",
      async () => {
        const pg = await sim.client.get<
          KubeObject & { status?: { conditions?: { type: string; status: string; message?: string }[] } }
        >(PodGangType, "wide-0", "default");
        const c = pg?.status?.conditions?.find((x) => x.type === "Scheduled" && x.status === "False");
        reason = (c?.message ?? "")
          .split(/;\s+|\n/)
          .map((l) => l.trim())
          .filter(Boolean);
        return { ok: reason.length > 0, state: JSON.stringify(pg?.status ?? null) };
      },
      { timeoutMs: 60_000 },
    );
    const row = page.locator('#pending .pend[data-gang="wide-0"]');
    await expect.poll(() => row.count(), { timeout: 30_000 }).toBe(1);
    await expect
      .poll(async () => (await row.locator("li").allTextContents()).map((l) => l.trim()), { timeout: 30_000 })
      .toEqual(reason);
    expect(await row.locator(".meta").textContent()).toContain("PCS wide");
    // The picture: a hover card on a GPU low on the page, clear of the racks above it.
    await page.locator('.host[data-node="gpu-node-8"] .g[data-gang]').first().hover();
    await expect.poll(() => page.locator("#tip").isVisible()).toBe(true);
    mkdirSync(dirname(SHOT), { recursive: true });
    await page.screenshot({ path: SHOT });
    expect(readFileSync(SHOT).subarray(1, 4).toString()).toBe("PNG");
    if (process.env.DASHBOARD_SCREENSHOT) {
      mkdirSync(dirname(process.env.DASHBOARD_SCREENSHOT), { recursive: true });
      await page.screenshot({ path: process.env.DASHBOARD_SCREENSHOT });
    }
  });
});
