// Suite 1 (the user-guide walk-through) with grove-sim --operator external and grove-operator as a
// child process driving it over HTTP.
import { userGuideSuite } from "./lib/user-guide-suite.js";

userGuideSuite("user guide walk-through (operator external: grove-operator over HTTP)", "external", false);
