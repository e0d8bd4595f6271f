// RU11, RU12 (grove-behaviour.md §18.4): a RollingRecreate while the PodCliqueSet is scaled out and
// in, on our WL1-sigterm (containers that ignore SIGTERM: a deleted pod stays Terminating for its
// 5 s grace period). RU7-RU10 are in rolling-recreate.test.ts.
import { rollingSuite } from "./lib/rolling-suite.js";

rollingSuite("RollingRecreate RU11, RU12 (our WL1-sigterm, 30 agent nodes)", ["RU11", "RU12"], 30);
