// RU16, RU20, RU21 (grove-behaviour.md §18.4): a RollingRecreate of every clique, PCS at 2 replicas,
// with the PCSG sg-x scaled in 3 -> 2 during it, or the standalone PodClique pc-a scaled in 3 -> 2
// during or just before it, on our WL1. Scale-out of pc-a is in rolling-recreate-clique-scale-out.test.ts.
import { rollingSuite } from "./lib/rolling-suite.js";

rollingSuite(
  "RollingRecreate RU16, RU20, RU21 (our WL1 at 2 replicas, 28 agent nodes)",
  ["RU16", "RU20", "RU21"],
  28,
);
