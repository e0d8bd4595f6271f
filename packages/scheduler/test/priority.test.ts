// Queue order by priority (README "Structure", Queue): in a batch, gangs are placed higher priority
// first (the highest spec.priority of their pods, or their PodGang's priorityClassName's value),
// then older first, then by name, as KAI's and coscheduling's QueueSort. No preemption: a gang that
// is placed stays.
import { PriorityClassType } from "@grove-ts/runtime";
import { afterEach, describe, expect, it } from "vitest";
import {
  createAll,
  eventually,
  getPod,
  type Harness,
  harness,
  node,
  nodesOf,
  pod,
  podGang,
  sleep,
} from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** Two gangs of two 1-cpu pods each (minimum 2), `a` and `b`, and no node yet. */
const twoGangs = (
  a: { name: string; pc?: string; podPc?: string },
  b: { name: string; pc?: string; podPc?: string },
) =>
  [a, b].map((g) => ({
    gang: podGang(g.name, [{ name: `${g.name}-w`, pods: [`${g.name}-0`, `${g.name}-1`], min: 2 }], {
      ...(g.pc ? { priorityClassName: g.pc } : {}),
    }),
    pods: [0, 1].map((i) =>
      pod({ name: `${g.name}-${i}`, gang: g.name, ...(g.podPc ? { priorityClassName: g.podPc } : {}) }),
    ),
  }));

/** Both gangs wait for a node; one 2-cpu node arrives and holds one of them. Returns the gang placed. */
async function placedOfTwo(h: Harness, names: [string, string]): Promise<string> {
  await createAll(h.client, { nodes: [node({ name: "n1", cpu: "2" })] });
  const placed = await eventually(async () => {
    const nodes = await nodesOf(
      h.client,
      names.flatMap((n) => [`${n}-0`, `${n}-1`]),
    );
    const which = names.filter((_, i) => nodes[2 * i] && nodes[2 * i + 1]);
    expect(which.length).toBe(1);
    return which[0] as string;
  });
  const other = names.find((n) => n !== placed) as string;
  const waiting = await getPod(h.client, `${other}-0`);
  expect(waiting.status?.conditions?.find((c) => c.type === "PodScheduled")?.reason).toBe("Unschedulable");
  return placed;
}

describe.each([true, false])("queue order by priority (incremental snapshot: %s)", (incremental) => {
  const start = async () => {
    h = await harness({ incremental });
    await h.client.create(PriorityClassType, {
      apiVersion: "scheduling.k8s.io/v1",
      kind: "PriorityClass",
      metadata: { name: "high" },
      value: 1000,
    } as never);
    return h;
  };

  it("places the gang whose PodGang names the higher class first, though it sorts after by name", async () => {
    const h = await start();
    const gangs = twoGangs({ name: "a-low" }, { name: "b-high", pc: "high" });
    await createAll(h.client, { gangs: gangs.map((g) => g.gang), pods: gangs.flatMap((g) => g.pods) });
    expect(await placedOfTwo(h, ["a-low", "b-high"])).toBe("b-high");
  });

  it("places the gang whose pods have the higher spec.priority first", async () => {
    const h = await start();
    const gangs = twoGangs({ name: "a-low" }, { name: "b-high", podPc: "high" });
    await createAll(h.client, { gangs: gangs.map((g) => g.gang), pods: gangs.flatMap((g) => g.pods) });
    expect((await getPod(h.client, "b-high-0")).spec?.priority).toBe(1000);
    expect(await placedOfTwo(h, ["a-low", "b-high"])).toBe("b-high");
  });

  it("places the older of two gangs of equal priority first, though it sorts after by name", async () => {
    const h = await start();
    const [older, newer] = twoGangs({ name: "z-old", pc: "high" }, { name: "a-new", pc: "high" });
    if (!older || !newer) throw new Error("two gangs");
    await createAll(h.client, { gangs: [older.gang], pods: older.pods });
    // creationTimestamp has a resolution of one second.
    await sleep(1100);
    await createAll(h.client, { gangs: [newer.gang], pods: newer.pods });
    expect(await placedOfTwo(h, ["z-old", "a-new"])).toBe("z-old");
  });

  it("with no classes, equal priority keeps name order for gangs of one age", async () => {
    const h = await start();
    const gangs = twoGangs({ name: "a-first" }, { name: "b-second" });
    await createAll(h.client, { gangs: gangs.map((g) => g.gang), pods: gangs.flatMap((g) => g.pods) });
    const placed = await placedOfTwo(h, ["a-first", "b-second"]);
    // Same second unless the clock ticked between them: then age decides, which is also a-first.
    expect(placed).toBe("a-first");
  });
});
