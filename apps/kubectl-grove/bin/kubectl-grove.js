#!/usr/bin/env node
// Committed shim so the bin link works before and after the build (the CLI lives in dist/).
import "../dist/cli/kubectl-grove.js";
