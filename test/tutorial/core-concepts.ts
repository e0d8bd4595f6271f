// The core-concepts tutorial walked with the real kubectl: one PodCliqueSet with a standalone
// clique and a leader/worker scaling group, scaled at each of the three levels Grove documents
// (grove-behaviour.md §12.2): `kubectl scale pcs`, `kubectl scale pcsg`, `kubectl scale pclq`, up
// and back down, each step checked against the documented objects (names, labels, env of every
// pod), then `kubectl delete pcs` leaves nothing behind. Shared by the tutorial suite and the
// deployed-operator suite (test/kube/operator-deploy.test.ts).
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "vitest";
import { shapeOf } from "../e2e/lib/expected.js";
import type { E2E } from "../e2e/lib/harness.js";
import { deleteAndExpectNothingLeft } from "../e2e/lib/user-guide-suite.js";
import { verifyShape } from "../e2e/lib/verify.js";

export const coreConceptsManifest = join(import.meta.dirname, "workloads/core-concepts.yaml");

/** Applies the tutorial's PodCliqueSet, scales it at the three levels and deletes it, checking each step. */
export async function walkCoreConcepts(e2e: E2E): Promise<void> {
  const shape = shapeOf(readFileSync(coreConceptsManifest, "utf8"));
  const names = (kind: string) => e2e.kubectl.names(kind, "-l", "app.kubernetes.io/part-of=tutorial");
  const gangs = () => names("podgangs.scheduler.grove.io");

  await e2e.apply(coreConceptsManifest);
  // 2 frontend + 2 scaling-group replicas x (1 leader + 2 workers). The group's minAvailable is
  // 1: its replica 0 is in the base PodGang, replica 1 is the scaled PodGang <pcsg>-0.
  let want = await verifyShape(e2e, shape, { pcsReplicas: 1 });
  expect(want.podCount).toBe(8);
  expect(await names("pcsg")).toEqual(["tutorial-0-model-instance"]);
  expect(await gangs()).toEqual(["tutorial-0", "tutorial-0-model-instance-0"]);

  // PCS level: a second replica built from the template, with a base PodGang of its own.
  await e2e.kubectl.ok(["scale", "pcs", "tutorial", "--replicas=2"]);
  want = await verifyShape(e2e, shape, { pcsReplicas: 2 });
  expect(want.podCount).toBe(16);
  expect(await gangs()).toEqual([
    "tutorial-0",
    "tutorial-0-model-instance-0",
    "tutorial-1",
    "tutorial-1-model-instance-0",
  ]);

  // PCSG level: replica 0's group grows to 3: the new group replica is one more scaled PodGang.
  await e2e.kubectl.ok(["scale", "pcsg", "tutorial-0-model-instance", "--replicas=3"]);
  const grown = { pcsReplicas: 2, pcsg: { "tutorial-0-model-instance": 3 } };
  want = await verifyShape(e2e, shape, grown);
  expect(want.podCount).toBe(19);
  expect(await gangs()).toEqual([
    "tutorial-0",
    "tutorial-0-model-instance-0",
    "tutorial-0-model-instance-1",
    "tutorial-1",
    "tutorial-1-model-instance-0",
  ]);

  // PCLQ level: the standalone frontend of replica 1 goes from 2 to 5 pods.
  await e2e.kubectl.ok(["scale", "pclq", "tutorial-1-frontend", "--replicas=5"]);
  want = await verifyShape(e2e, shape, { ...grown, pclq: { "tutorial-1-frontend": 5 } });
  expect(want.podCount).toBe(22);

  // And back down, level by level: the highest indices go first.
  await e2e.kubectl.ok(["scale", "pclq", "tutorial-1-frontend", "--replicas=2"]);
  want = await verifyShape(e2e, shape, grown);
  expect(want.podCount).toBe(19);
  await e2e.kubectl.ok(["scale", "pcsg", "tutorial-0-model-instance", "--replicas=2"]);
  want = await verifyShape(e2e, shape, { pcsReplicas: 2 });
  expect(want.podCount).toBe(16);
  await e2e.kubectl.ok(["scale", "pcs", "tutorial", "--replicas=1"]);
  want = await verifyShape(e2e, shape, { pcsReplicas: 1 });
  expect(want.podCount).toBe(8);
  expect(await gangs()).toEqual(["tutorial-0", "tutorial-0-model-instance-0"]);

  await deleteAndExpectNothingLeft(e2e, "tutorial");
}
