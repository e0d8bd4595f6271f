// GT1, GT2, GT5, GT6 (grove-behaviour.md §18.2): a PCS replica recreated after a standalone
// PodClique's or the scaling group's breach, a PCSG replica recreated alone, and a scaled gang's pod
// lost within tolerance (no termination). GT3 and GT4 are in gang-termination-tolerance.test.ts.
import { terminationSuite } from "./lib/termination-suite.js";

terminationSuite("gang termination GT1, GT2, GT5, GT6 (our WL1-gt/WL2-gt/WL5-gt, terminationDelay 10 s)", [
  "GT1",
  "GT2",
  "GT5",
  "GT6",
]);
