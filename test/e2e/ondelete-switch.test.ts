// Grove's OnDelete suite (grove-behaviour.md §18.5), OD9 on 10 agent nodes: switching a PodCliqueSet
// between OnDelete and RollingRecreate at any time (§13.5). OD1-OD8 are in ondelete.test.ts and
// ondelete-mixed.test.ts.
import { onDeleteSuite } from "./lib/ondelete-suite.js";

onDeleteSuite("OnDelete OD9 (our wl-ondelete.yaml), 10 agent nodes", 10, ["OD9"]);
