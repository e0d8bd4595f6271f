// The runtime's Manager and Controller driving a small level-based controller through each client:
// informers sync, child events map to the owner, status is written only when it changes.
import {
  type Client,
  ConfigMapType,
  Controller,
  CustomResourceDefinitionType,
  controllerReference,
  deepEqual,
  isAlreadyExists,
  isConflict,
  type KubeObject,
  Manager,
  mapToController,
  NamespaceType,
} from "@grove-ts/runtime";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type ConfigMap,
  eventually,
  type Target,
  targets,
  type Widget,
  WidgetType,
  widgetCrd,
} from "./targets.js";

describe.each(targets)("Manager and Controller over the $name", ({ start }) => {
  let target: Target;
  let c: Client;
  beforeAll(async () => {
    target = await start();
    c = target.client;
    await c.create(CustomResourceDefinitionType, widgetCrd as KubeObject);
    await c.create(NamespaceType, { metadata: { name: "ctl" } });
  });
  afterAll(async () => {
    await target.close();
  });

  it("converges children and status, recreates a deleted child, and stops cleanly", async () => {
    const mgr = new Manager({ client: c });
    const widgets = mgr.informer<Widget>(WidgetType, { namespace: "ctl" });
    const maps = mgr.informer<ConfigMap>(ConfigMapType, { namespace: "ctl" });
    let statusWrites = 0;
    const otherErrors: unknown[] = [];
    const ctl = new Controller({
      name: "widget",
      concurrency: 2,
      reconciler: async ({ namespace, name }) => {
        const w = widgets.cache.get(name, namespace);
        if (!w) return;
        const childName = `${name}-config`;
        const want = { replicas: String(w.spec?.replicas ?? 0) };
        const child = maps.cache.get(childName, namespace);
        if (!child) {
          try {
            await c.create<ConfigMap>(ConfigMapType, {
              metadata: { name: childName, namespace, ownerReferences: [controllerReference(w, WidgetType)] },
              data: want,
            });
          } catch (e) {
            if (!isAlreadyExists(e)) throw e; // the cache lags our own create: level-based, so fine
          }
        } else if (!deepEqual(child.data, want)) {
          await c.update<ConfigMap>(ConfigMapType, { ...structuredClone(child), data: want });
        }
        const status = { replicas: w.spec?.replicas ?? 0, phase: "Ready" };
        if (!deepEqual(w.status, status)) {
          try {
            await c.updateStatus<Widget>(WidgetType, { ...structuredClone(w), status });
            statusWrites++;
          } catch (e) {
            // A cache that has not yet seen our last write reads as stale: the resourceVersion
            // check refuses the write and the retry reads the newer cache.
            if (!isConflict(e)) otherErrors.push(e);
            throw e;
          }
        }
      },
    })
      .watch(widgets)
      .watch(maps, mapToController("Widget", WidgetType.apiVersion));
    mgr.add(ctl);
    await c.create<Widget>(WidgetType, {
      apiVersion: WidgetType.apiVersion,
      kind: "Widget",
      metadata: { name: "w1", namespace: "ctl" },
      spec: { replicas: 2 },
    });
    await mgr.start();
    try {
      const childData = async () => (await c.get<ConfigMap>(ConfigMapType, "w1-config", "ctl"))?.data;
      const status = async () => (await c.get<Widget>(WidgetType, "w1", "ctl"))?.status;
      await eventually(async () => deepEqual(await childData(), { replicas: "2" }), "child created");
      await eventually(
        async () => deepEqual(await status(), { replicas: 2, phase: "Ready" }),
        "status written",
      );

      const w = (await c.get<Widget>(WidgetType, "w1", "ctl")) as Widget;
      await c.update<Widget>(WidgetType, { ...w, spec: { replicas: 5 } });
      await eventually(async () => deepEqual(await childData(), { replicas: "5" }), "child follows spec");
      await eventually(async () => (await status())?.replicas === 5, "status follows spec");

      await c.delete(ConfigMapType, "w1-config", "ctl");
      await eventually(
        async () => (await childData()) !== undefined,
        "deleted child recreated via owner mapping",
      );
      await eventually(() => ctl.queue.len() === 0 && ctl.queue.inFlight() === 0, "queue idle");
      // Two spec states, so exactly two status writes succeed however many events there were.
      expect(statusWrites).toBe(2);
      expect(otherErrors).toEqual([]);
    } finally {
      await mgr.stop();
    }
    expect(ctl.queue.shuttingDown).toBe(true);
  });
});
