// GT3 and GT4 (grove-behaviour.md §18.2) on WL2-gt: pods lost within minAvailable cause no gang
// termination, then the losses that breach it recreate the PCSG replica or the whole PCS replica.
// GT1, GT2, GT5 and GT6 are in gang-termination.test.ts.
import { terminationSuite } from "./lib/termination-suite.js";

terminationSuite("gang termination GT3, GT4 (our WL2-gt, terminationDelay 10 s)", ["GT3", "GT4"]);
