// Suite 1 (the user-guide walk-through) with Grove's controllers and the scheduler inside grove-sim.
import { userGuideSuite } from "./lib/user-guide-suite.js";

userGuideSuite("user guide walk-through (operator in-process)", "in-process");
