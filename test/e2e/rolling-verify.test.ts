// The RollingRecreate suite's own checks (lib/rolling-verify.ts, lib/pod-watch.ts) on hand-made
// event sequences: a replacement's ADDED before its predecessor's DELETED is tolerated, two pods or
// two PCSG replicas in flight at once are caught, and kubectl's concatenated JSON is split right.
import { describe, expect, it } from "vitest";
import { JsonStream, type PodEvent } from "./lib/pod-watch.js";
import { pcsgReplicasGlobally, pcsReplicas, podsGlobally, podsPerPodClique } from "./lib/rolling-verify.js";

let n = 0;
function ev(type: PodEvent["type"], hostname: string, labels: Record<string, string> = {}): PodEvent {
  const pclq = hostname.replace(/-\d+$/, "");
  return {
    type,
    name: `${hostname}-${++n}`,
    uid: String(n),
    hostname,
    labels: {
      "grove.io/podclique": pclq,
      "grove.io/podcliqueset-replica-index": pclq.split("-")[1] ?? "0",
      ...labels,
    },
    annotations: {},
    terminating: false,
    updateTrigger: undefined,
    at: n,
  };
}
const sg = (j: string) => ({
  "grove.io/podcliquescalinggroup": "wl1-0-sg-x",
  "grove.io/podcliquescalinggroup-replica-index": j,
});

describe("rolling-verify", () => {
  it("one pod at a time, with a replacement's ADDED before the old pod's DELETED, counts at most one", () => {
    const events = [
      ev("DELETED", "wl1-0-pc-a-0"),
      ev("ADDED", "wl1-0-pc-a-0"),
      ev("ADDED", "wl1-0-pc-a-1"), // reordered: the replacement is seen first
      ev("DELETED", "wl1-0-pc-a-1"),
    ];
    expect(podsGlobally(events).max).toBe(1);
    expect(podsPerPodClique(events).max).toBe(1);
    expect(pcsReplicas(events).max).toBe(1);
  });

  it("two pods or two PCS replicas in flight at once are caught, naming them", () => {
    const events = [
      ev("DELETED", "wl1-0-pc-a-0"),
      ev("DELETED", "wl1-1-pc-a-0"),
      ev("ADDED", "wl1-0-pc-a-0"),
    ];
    const r = podsGlobally(events);
    expect(r.max).toBe(2);
    expect(r.witness).toContain("wl1-0-pc-a-0, wl1-1-pc-a-0");
    expect(pcsReplicas(events).max).toBe(2);
    expect(podsPerPodClique(events).max).toBe(1);
  });

  it("a PCSG replica's pods count as one unit; two replicas at once are caught", () => {
    const one = [
      ev("DELETED", "wl1-0-sg-x-0-pc-b-0", sg("0")),
      ev("DELETED", "wl1-0-sg-x-0-pc-c-0", sg("0")),
      ev("ADDED", "wl1-0-sg-x-0-pc-b-0", sg("0")),
      ev("ADDED", "wl1-0-sg-x-0-pc-c-0", sg("0")),
      ev("DELETED", "wl1-0-sg-x-1-pc-b-0", sg("1")),
      ev("ADDED", "wl1-0-sg-x-1-pc-b-0", sg("1")),
    ];
    expect(pcsgReplicasGlobally(one).max).toBe(1);
    const two = [
      ev("DELETED", "wl1-0-sg-x-0-pc-b-0", sg("0")),
      ev("DELETED", "wl1-0-sg-x-1-pc-b-0", sg("1")),
    ];
    expect(pcsgReplicasGlobally(two).max).toBe(2);
  });

  it("a pod without spec.hostname fails the check", () => {
    expect(() => podsGlobally([ev("DELETED", "")])).toThrow(/no spec.hostname/);
  });

  it("JsonStream splits concatenated, pretty-printed objects across chunks, braces in strings included", () => {
    const s = new JsonStream();
    const a = JSON.stringify({ type: "ADDED", object: { metadata: { name: "a}{" } } }, null, 4);
    const b = JSON.stringify({ type: "DELETED", object: { x: '"\\{' } });
    const text = `${a}\n${b}\n`;
    const out = [
      ...s.push(text.slice(0, 17)),
      ...s.push(text.slice(17, a.length + 5)),
      ...s.push(text.slice(a.length + 5)),
    ];
    expect(out).toEqual([JSON.parse(a), JSON.parse(b)]);
  });
});
