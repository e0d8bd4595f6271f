#!/usr/bin/env node
// Committed shim so the bin link works before and after `npm run build` (the CLI lives in dist/).
import "../dist/cli/grove-validate.js";
