// Grove's OnDelete suite (grove-behaviour.md §18.5), OD6-OD8 on 20 agent nodes (PrepareTest leaves
// 10, 20 or 11 schedulable): every clique updated, two PCS replicas, and the node-exclusion recovery
// workflow. OD1-OD5 are in ondelete.test.ts, OD9 in ondelete-switch.test.ts.
import { onDeleteSuite } from "./lib/ondelete-suite.js";

onDeleteSuite("OnDelete OD6-OD8 (our wl-ondelete.yaml), 20 agent nodes", 20, ["OD6", "OD7", "OD8"]);
