// GS1-GS12 (grove-behaviour.md §18.1) on our own WL1/WL2 (workloads/), operator in-process, on a
// simulated cluster of the §17.1 shape: 28 agent nodes of 4 CPU / 150Mi / 110 pods.
import { join } from "node:path";
import { gangSuite } from "./lib/gang-suite.js";

const here = import.meta.dirname;
gangSuite(
  "gang scheduling GS1-GS12 (our WL1/WL2, operator in-process)",
  {
    wl1: { path: join(here, "workloads/wl1.yaml"), pcs: "wl1" },
    wl2: { path: join(here, "workloads/wl2.yaml"), pcs: "wl2" },
  },
  "in-process",
);
