// Grove's OnDelete suite (grove-behaviour.md §18.5), OD1-OD5 on 10 agent nodes: no automatic
// deletion after a template change, a user-deleted pod comes back with the new template (standalone
// and PCSG member cliques), scale-in prefers the outdated pod. OD6-OD8 are in ondelete-mixed.test.ts,
// OD9 in ondelete-switch.test.ts.
import { onDeleteSuite } from "./lib/ondelete-suite.js";

onDeleteSuite("OnDelete OD1-OD5 (our wl-ondelete.yaml), 10 agent nodes", 10, [
  "OD1",
  "OD2",
  "OD3",
  "OD4",
  "OD5",
]);
