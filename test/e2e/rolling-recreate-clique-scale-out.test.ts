// RU18, RU19 (grove-behaviour.md §18.4): a RollingRecreate of every clique, PCS at 2 replicas, with
// the standalone PodClique pc-a scaled out 2 -> 4 during or just before it, on our WL1. RU7-RU10 are
// in rolling-recreate.test.ts, RU11/RU12 in rolling-recreate-pcs-scale.test.ts, RU16/RU20/RU21 in
// rolling-recreate-clique-scale-in.test.ts.
import { rollingSuite } from "./lib/rolling-suite.js";

rollingSuite("RollingRecreate RU18, RU19 (our WL1 at 2 replicas, 24 agent nodes)", ["RU18", "RU19"], 24);
