// PodGang status shared by two writers (podGangStatusOps, on runtime's statusPatchOps): the
// operator's Initialized condition and the scheduler's phase and Scheduled condition, each written
// from a view of the PodGang that may be behind the other writer's. Against the real in-process API server; the operator's writes follow
// the same rules as packages/controllers/src/podgang/status.ts (phase only with a new status).
import { type PodGang, PodGangType } from "@grove-ts/api";
import { type Client, type Condition, isConflict, isInvalid, memoryLogger, PodType } from "@grove-ts/runtime";
import type { Pod } from "kubernetes-types/core/v1.js";
import { afterEach, describe, expect, it } from "vitest";
import { podGangStatusOps } from "../src/status-writer.js";
import { createAll, eventually, type Harness, harness, type K, node, pod, podGang } from "./harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const cond = (type: string, status: "True" | "False", reason = type): Condition => ({
  type,
  status,
  reason,
  message: `${type} ${status}`,
  lastTransitionTime: "2026-11-29T00:00:00Z",
});

const get = async (client: Client, name: string) => {
  const g = await client.get<K<PodGang>>(PodGangType, name, "default");
  if (!g) throw new Error(`PodGang ${name} not found`);
  return g;
};

/** One writer's status patch from `base`; "refused" when the server rejected its guard. */
async function write(
  client: Client,
  base: K<PodGang>,
  want: { phase?: string; condition?: Condition },
): Promise<K<PodGang> | "refused"> {
  try {
    return await client.patch<K<PodGang>>(
      PodGangType,
      base.metadata.name ?? "",
      "default",
      { type: "json", body: podGangStatusOps(base, want) },
      { subresource: "status" },
    );
  } catch (err) {
    if (isConflict(err) || isInvalid(err)) return "refused";
    throw err;
  }
}

const operatorWrite = (client: Client, base: K<PodGang>, c: Condition) =>
  write(client, base, { condition: c, ...(base.status ? {} : { phase: "Pending" }) });

const types = (g: K<PodGang>) => (g.status?.conditions ?? []).map((c) => `${c.type}=${c.status}`).sort();

describe("podGangStatusOps", () => {
  // Each step: who writes what, from the object as it was after step `from` (0 = just created).
  interface Step {
    who: "operator" | "scheduler";
    from: number;
    phase?: string;
    condition: Condition;
    refused?: true;
  }
  const cases: { name: string; steps: Step[]; want: string[]; phase: string }[] = [
    {
      name: "in turn, each from the latest object",
      steps: [
        { who: "operator", from: 0, condition: cond("Initialized", "False") },
        { who: "operator", from: 1, condition: cond("Initialized", "True") },
        { who: "scheduler", from: 2, phase: "Starting", condition: cond("Scheduled", "True") },
        { who: "scheduler", from: 3, phase: "Running", condition: cond("Scheduled", "True") },
      ],
      want: ["Initialized=True", "Scheduled=True"],
      phase: "Running",
    },
    {
      name: "the operator flips Initialized from a view without the scheduler's condition",
      steps: [
        { who: "operator", from: 0, condition: cond("Initialized", "False") },
        { who: "scheduler", from: 1, phase: "Pending", condition: cond("Scheduled", "False") },
        { who: "operator", from: 1, condition: cond("Initialized", "True") },
        { who: "scheduler", from: 2, phase: "Starting", condition: cond("Scheduled", "True") },
      ],
      want: ["Initialized=True", "Scheduled=True"],
      phase: "Starting",
    },
    {
      name: "the scheduler appends from a view whose list changed: refused, never a duplicate",
      steps: [
        { who: "operator", from: 0, condition: cond("Initialized", "False") },
        { who: "operator", from: 1, condition: cond("Initialized", "True") },
        // Its view still has Initialized=False: the list test fails.
        { who: "scheduler", from: 1, phase: "Starting", condition: cond("Scheduled", "True"), refused: true },
        { who: "scheduler", from: 2, phase: "Starting", condition: cond("Scheduled", "True") },
        // Its own earlier write not seen yet: appending again is refused too.
        { who: "scheduler", from: 2, phase: "Running", condition: cond("Scheduled", "True"), refused: true },
      ],
      want: ["Initialized=True", "Scheduled=True"],
      phase: "Starting",
    },
    {
      name: "the operator's first write from the created object after the scheduler wrote is refused",
      steps: [
        { who: "scheduler", from: 0, phase: "Pending", condition: cond("Scheduled", "False") },
        { who: "operator", from: 0, condition: cond("Initialized", "False"), refused: true },
        { who: "operator", from: 1, condition: cond("Initialized", "False") },
      ],
      want: ["Initialized=False", "Scheduled=False"],
      phase: "Pending",
    },
  ];

  it.each(cases)("$name", async ({ steps, want, phase }) => {
    h = await harness({ schedulerNames: ["nobody"] });
    await createAll(h.client, { gangs: [podGang("g", [{ name: "g-a", pods: ["a-0"], min: 1 }])] });
    const seen = [await get(h.client, "g")];
    for (const [i, s] of steps.entries()) {
      const base = seen[s.from];
      if (!base) throw new Error(`step ${i + 1}: no object after step ${s.from}`);
      const out =
        s.who === "operator"
          ? await operatorWrite(h.client, base, s.condition)
          : await write(h.client, base, { ...(s.phase ? { phase: s.phase } : {}), condition: s.condition });
      expect(out === "refused", `step ${i + 1} refused`).toBe(s.refused === true);
      seen.push(await get(h.client, "g"));
    }
    const last = await get(h.client, "g");
    expect(types(last)).toEqual(want);
    expect(last.status?.phase).toBe(phase);
  });

  it("writes nothing when the status already holds what is asked, nor a lone Pending", async () => {
    h = await harness({ schedulerNames: ["nobody"] });
    await createAll(h.client, { gangs: [podGang("g", [{ name: "g-a", pods: ["a-0"], min: 1 }])] });
    const created = await get(h.client, "g");
    // No status reads as Pending: the operator's first write makes the status, not the scheduler.
    expect(podGangStatusOps(created, { phase: "Pending" })).toEqual([]);
    const first = await operatorWrite(h.client, created, cond("Initialized", "True"));
    if (first === "refused") throw new Error("refused");
    expect(podGangStatusOps(first, { condition: cond("Initialized", "True") })).toEqual([]);
    expect(podGangStatusOps(first, { phase: "Pending" })).toEqual([]);
  });
});

describe("gang scheduler and operator writing one PodGang's status", () => {
  it("both conditions survive; the scheduler's writes are never refused in the common case", async () => {
    const { logger, records } = memoryLogger();
    h = await harness({ logger });
    await createAll(h.client, { nodes: [node({ name: "n1" })] });
    await h.client.create(PodGangType, podGang("g", [{ name: "g-a", pods: ["a-0", "a-1"], min: 2 }]));
    // The operator: Initialized=False right after creating the PodGang, as the controller does.
    const created = await get(h.client, "g");
    const afterInit = await operatorWrite(h.client, created, cond("Initialized", "False"));
    expect(afterInit).not.toBe("refused");
    // Its pods, then Initialized=True; the scheduler places the gang once it is Initialized.
    await createAll(h.client, { pods: [pod({ name: "a-0", gang: "g" }), pod({ name: "a-1", gang: "g" })] });
    const before = await get(h.client, "g");
    expect(await operatorWrite(h.client, before, cond("Initialized", "True"))).not.toBe("refused");
    await eventually(async () => {
      const g = await get(h?.client as Client, "g");
      expect(types(g)).toEqual(["Initialized=True", "Scheduled=True"]);
    });
    // Pods run: the scheduler moves the phase on and leaves Initialized alone.
    for (const p of ["a-0", "a-1"])
      await h.client.patch<K<Pod>>(
        PodType,
        p,
        "default",
        { type: "merge", body: { status: { phase: "Running" } } },
        { subresource: "status" },
      );
    await eventually(async () => {
      const g = await get(h?.client as Client, "g");
      expect(g.status?.phase).toBe("Running");
      expect(types(g)).toEqual(["Initialized=True", "Scheduled=True"]);
    });
    expect(records.filter((r) => r.msg === "PodGang status not written")).toEqual([]);
  });
});
