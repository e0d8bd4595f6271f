// Gang termination (grove-behaviour.md §10): after terminationDelay a breached standalone PodClique
// takes its whole PCS replica down and back up; a breached PCSG replica is recreated alone while
// the PCSG keeps minAvailable healthy replicas.
import { PodCliqueScalingGroupType, PodCliqueType } from "@grove-ts/api";
import { type CoreEvent, EventType, PodType } from "@grove-ts/runtime";
import { describe, expect, it } from "vitest";
import { breachWait, parseDuration, wasPodCliqueEverScheduled } from "../src/gang-termination.js";
import type { PodClique, PodCliqueScalingGroup } from "../src/types.js";
import { pcsOf } from "./fixtures.js";
import {
  createPcs,
  type Harness,
  listPods,
  NS,
  runToReady,
  waitFor,
  withControllersPerTest,
} from "./harness.js";

/** The Event with this reason on the named object, once written (recorders write in the background). */
const eventOn = (h: Harness, name: string, reason: string) =>
  waitFor(`${reason} on ${name}`, async () =>
    (await h.client.list<CoreEvent>(EventType, { namespace: NS })).items.find(
      (e) => e.involvedObject.name === name && e.reason === reason,
    ),
  );

const uid = async (h: Harness, name: string) =>
  (await h.client.get<PodClique>(PodCliqueType, name, NS))?.metadata.uid;

/** Makes one pod of the PodClique crash-loop: started, not ready. */
async function breakOnePod(h: Harness, pclq: string): Promise<void> {
  const [pod] = await listPods(h.client, `grove.io/podclique=${pclq}`);
  await h.client.patch(
    PodType,
    pod?.metadata.name ?? "",
    NS,
    {
      type: "merge",
      body: {
        status: {
          conditions: [
            { type: "PodScheduled", status: "True" },
            { type: "Ready", status: "False" },
          ],
          containerStatuses: [
            { name: "c", image: "i", imageID: "", restartCount: 3, ready: false, started: true },
          ],
        },
      },
    },
    { subresource: "status" },
  );
}

async function waitScheduledCondition(h: Harness, name: string): Promise<void> {
  await waitFor(`${name} PodCliqueScheduled`, async () => {
    const p = await h.client.get<PodClique>(PodCliqueType, name, NS);
    return p && wasPodCliqueEverScheduled(p);
  });
}

describe("gang termination", () => {
  let h: Harness;
  withControllersPerTest((x: Harness) => {
    h = x;
  });

  it("PCS level: a standalone clique breached past terminationDelay recreates the whole replica", async () => {
    await createPcs(
      h.client,
      pcsOf(
        "gt",
        [
          { name: "a", replicas: 2, minAvailable: 2 },
          { name: "b", replicas: 1 },
        ],
        [],
        1,
        { terminationDelay: "1s" },
      ),
    );
    await runToReady(h.client, 3);
    await waitScheduledCondition(h, "gt-0-a");
    const before = { a: await uid(h, "gt-0-a"), b: await uid(h, "gt-0-b") };
    const oldPods = new Set((await listPods(h.client)).map((p) => p.metadata.name));
    await breakOnePod(h, "gt-0-a");
    await waitFor("breach", async () => {
      const p = await h.client.get<PodClique>(PodCliqueType, "gt-0-a", NS);
      return p?.status?.conditions?.some((c) => c.type === "MinAvailableBreached" && c.status === "True");
    });
    await waitFor("replica recreated", async () => {
      const a = await uid(h, "gt-0-a");
      const b = await uid(h, "gt-0-b");
      return a !== undefined && b !== undefined && a !== before.a && b !== before.b;
    });
    const pods = await runToReady(h.client, 3);
    expect(pods.some((p) => oldPods.has(p.metadata.name))).toBe(false);
    expect(await eventOn(h, "gt", "PodCliqueSetReplicaDeleteSuccessful")).toMatchObject({
      type: "Normal",
      message: "PodCliqueSet replica 0 deleted",
      source: { component: "podcliqueset-controller" },
    });
  });

  it("PCSG level: only the breached PCSG replica is recreated", async () => {
    await createPcs(
      h.client,
      pcsOf(
        "gp",
        [
          { name: "leader", replicas: 1 },
          { name: "worker", replicas: 2, minAvailable: 2 },
        ],
        [{ name: "grp", cliqueNames: ["leader", "worker"], replicas: 3, minAvailable: 1 }],
        1,
        { terminationDelay: "1s" },
      ),
    );
    await runToReady(h.client, 9);
    await waitScheduledCondition(h, "gp-0-grp-2-worker");
    const names = [0, 1, 2].flatMap((j) => [`gp-0-grp-${j}-leader`, `gp-0-grp-${j}-worker`]);
    const before = new Map(await Promise.all(names.map(async (n) => [n, await uid(h, n)] as const)));
    await breakOnePod(h, "gp-0-grp-2-worker");
    await waitFor("replica 2 recreated", async () => {
      const l = await uid(h, "gp-0-grp-2-leader");
      const w = await uid(h, "gp-0-grp-2-worker");
      return l && w && l !== before.get("gp-0-grp-2-leader") && w !== before.get("gp-0-grp-2-worker");
    });
    for (const n of names.filter((n) => !n.includes("grp-2"))) expect(await uid(h, n)).toBe(before.get(n));
    await runToReady(h.client, 9);
    // Upstream records the PCSG replica's deletion on the PodCliqueSet, from the PCSG controller.
    expect(await eventOn(h, "gp", "PodCliqueScalingGroupReplicaDeleteSuccessful")).toMatchObject({
      message: "Deleted PodCliqueScalingGroup gp-0-grp replicaIndex: 2",
      source: { component: "podcliquescalinggroup-controller" },
    });
  });
});

describe("gang termination through a breached PCSG", () => {
  let h: Harness;
  withControllersPerTest((x: Harness) => {
    h = x;
  });

  it("a PCSG below minAvailable takes the whole PCS replica, marks GangTerminationInProgress, clears it on recovery", async () => {
    await createPcs(
      h.client,
      pcsOf(
        "gs",
        [
          { name: "fe", replicas: 1 },
          { name: "leader", replicas: 1 },
          { name: "worker", replicas: 2, minAvailable: 2 },
        ],
        [{ name: "grp", cliqueNames: ["leader", "worker"], replicas: 2, minAvailable: 2 }],
        1,
        { terminationDelay: "1s" },
      ),
    );
    await runToReady(h.client, 1 + 2 * 3);
    await waitScheduledCondition(h, "gs-0-grp-1-worker");
    await waitFor("PCSG healthy", async () => {
      const g = await h.client.get<PodCliqueScalingGroup>(PodCliqueScalingGroupType, "gs-0-grp", NS);
      return g?.status?.conditions?.some((c) => c.type === "MinAvailableBreached" && c.status === "False");
    });
    const names = [
      "gs-0-fe",
      "gs-0-grp-0-leader",
      "gs-0-grp-0-worker",
      "gs-0-grp-1-leader",
      "gs-0-grp-1-worker",
    ];
    const before = new Map(await Promise.all(names.map(async (n) => [n, await uid(h, n)] as const)));
    // WasPCSGEverHealthy: a breach that starts within 5 s of the PCSG's creation counts as "never
    // healthy" (InitialScheduleGrace, §10.1), so break it only after that.
    const pcsg = await h.client.get<PodCliqueScalingGroup>(PodCliqueScalingGroupType, "gs-0-grp", NS);
    const graceEnd = Date.parse(pcsg?.metadata.creationTimestamp ?? "") + 6000;
    await new Promise((r) => setTimeout(r, Math.max(0, graceEnd - Date.now())));
    let sawMark = false;
    const watch = await h.client.watch<PodCliqueScalingGroup>(
      PodCliqueScalingGroupType,
      { namespace: NS },
      (ev) => {
        if (
          ev.object.status?.conditions?.some(
            (c) => c.type === "GangTerminationInProgress" && c.status === "True",
          )
        )
          sawMark = true;
      },
    );
    await breakOnePod(h, "gs-0-grp-1-worker");
    await waitFor("whole replica recreated", async () => {
      for (const n of names) {
        const u = await uid(h, n);
        if (!u || u === before.get(n)) return false;
      }
      return true;
    });
    expect(sawMark).toBe(true);
    await runToReady(h.client, 1 + 2 * 3);
    await waitFor("mark cleared on recovery", async () => {
      const g = await h.client.get<PodCliqueScalingGroup>(PodCliqueScalingGroupType, "gs-0-grp", NS);
      return (
        g?.status?.conditions?.some((c) => c.type === "MinAvailableBreached" && c.status === "False") &&
        !g.status.conditions.some((c) => c.type === "GangTerminationInProgress")
      );
    });
    watch.stop();
  });
});

describe("gang termination helpers", () => {
  it.each([
    ["4h", 4 * 3_600_000],
    ["10s", 10_000],
    ["1m30s", 90_000],
    ["1.5h", 5_400_000],
    ["250ms", 250],
  ])("parseDuration(%s)", (s, ms) => expect(parseDuration(s)).toBe(ms));

  it("rejects a bad duration with a stable code", () => {
    expect(() => parseDuration("4 hours")).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_TERMINATION_DELAY" }),
    );
  });

  const pclq = (status: string, ltt: string) =>
    ({
      metadata: { creationTimestamp: "2026-01-01T00:00:00Z" },
      status: {
        conditions: [
          { type: "PodCliqueScheduled", status, lastTransitionTime: ltt, reason: "", message: "" },
        ],
      },
    }) as unknown as PodClique;
  it.each([
    ["scheduled", "True", "2026-01-01T00:00:01Z", true],
    ["never scheduled, within the 5 s grace", "False", "2026-01-01T00:00:04Z", false],
    ["False long after creation (was scheduled once)", "False", "2026-01-01T00:00:06Z", true],
  ] as [string, string, string, boolean][])("wasPodCliqueEverScheduled: %s", (_n, status, ltt, want) => {
    expect(wasPodCliqueEverScheduled(pclq(status, ltt))).toBe(want);
  });

  it("breachWait counts down from the condition's lastTransitionTime", () => {
    const c = [
      {
        type: "MinAvailableBreached",
        status: "True" as const,
        lastTransitionTime: "2026-01-01T00:00:00Z",
        reason: "",
        message: "",
      },
    ];
    const t0 = Date.parse("2026-01-01T00:00:00Z");
    expect(breachWait(c, 10_000, t0 + 4000)).toBe(6000);
    expect(breachWait(c, 10_000, t0 + 11_000)).toBe(-1000);
    expect(
      breachWait([{ ...(c[0] as (typeof c)[0]), status: "False" as const }], 10_000, t0),
    ).toBeUndefined();
  });
});
