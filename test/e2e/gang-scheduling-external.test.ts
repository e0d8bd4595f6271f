// A subset of GS1-GS12 (grove-behaviour.md §18.1) on our WL1/WL2 with grove-sim --operator external
// and grove-operator (controllers and gang scheduler) as a child process over HTTP.
import { join } from "node:path";
import { gangSuite } from "./lib/gang-suite.js";

const here = import.meta.dirname;
gangSuite(
  "gang scheduling GS1, GS2, GS5, GS7, GS12 (our WL1/WL2, operator external)",
  {
    wl1: { path: join(here, "workloads/wl1.yaml"), pcs: "wl1" },
    wl2: { path: join(here, "workloads/wl2.yaml"), pcs: "wl2" },
  },
  "external",
  ["GS1", "GS2", "GS5", "GS7", "GS12"],
);
