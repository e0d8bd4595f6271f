// RU7-RU10 (grove-behaviour.md §18.4): RollingRecreate of a standalone PodClique, of a PCSG member
// and of every clique, with the "one at a time" orderings from the pod watcher, and delete-first
// on a cordoned cluster. RU11/RU12 are in rolling-recreate-pcs-scale.test.ts, RU18/RU19 in
// rolling-recreate-clique-scale-out.test.ts, RU16/RU20/RU21 in rolling-recreate-clique-scale-in.test.ts.
import { rollingSuite } from "./lib/rolling-suite.js";

rollingSuite("RollingRecreate RU7-RU10 (our WL1, 10 agent nodes)", ["RU7", "RU8", "RU9", "RU10"], 10);
