// The layer order of STYLE.md ("Imports point one way"), checked by `npm test` (npm run lint:layers):
// api <- runtime <- kube / apiserver / controllers / scheduler <- apps, placement beside them, and
// nothing in packages/ reaching up into apps/, bench/ or test/. Workspace imports resolve through
// node_modules to the other package's dist/, so the rules match both src/ and dist/ paths.
// Undeclared and unused dependencies are knip's part (npm run lint:deps).

/** A rule: code under `from` (a package's own src/) may import only the packages in `allowed`. */
const layer = (name, from, allowed, comment) => ({
  name,
  comment,
  severity: "error",
  from: { path: `^${from}/src/` },
  to: {
    path: "^(packages|apps|assembly|bench|test)/",
    pathNot: `^(${[from, ...allowed].join("|")})/`,
  },
});

module.exports = {
  forbidden: [
    layer("api-is-the-base", "packages/api", [], "@grove-ts/api is pure: it imports no other workspace"),
    layer(
      "placement",
      "packages/placement",
      ["packages/api", "assembly"],
      "placement -> api, placement-wasm",
    ),
    layer("runtime", "packages/runtime", ["packages/api"], "runtime -> api"),
    layer("kube", "packages/kube", ["packages/api", "packages/runtime"], "kube implements runtime's Client"),
    layer(
      "apiserver",
      "packages/apiserver",
      ["packages/api", "packages/runtime"],
      "the API server implements runtime's Client",
    ),
    layer(
      "controllers",
      "packages/controllers",
      ["packages/api", "packages/runtime"],
      "controllers see runtime's Client only, never kube or apiserver",
    ),
    layer(
      "scheduler",
      "packages/scheduler",
      ["packages/api", "packages/runtime", "packages/placement"],
      "the scheduler sees runtime's Client only, never kube or apiserver",
    ),
    layer(
      "dashboard",
      "packages/dashboard",
      [
        "packages/api",
        "packages/runtime",
        "packages/placement",
        "packages/controllers",
        "packages/scheduler",
      ],
      "the dashboard sees runtime's Client only; its what-if reuses the operator's and the scheduler's gang code and the solver",
    ),
    layer(
      "testing",
      "packages/testing",
      ["packages/api", "packages/placement", "packages/runtime"],
      "builders and generators sit below everything they are used to test",
    ),
    {
      name: "nothing-imports-bench-or-test",
      comment:
        "packages/ (sources and tests) never import apps/, bench/ or test/; apps never import bench/ or test/",
      severity: "error",
      from: { path: "^(packages|apps)/" },
      to: { path: "^(bench|test)/" },
    },
    {
      name: "packages-below-apps",
      comment: "packages/ never import apps/ (only apps, bench/ and test/ compose them)",
      severity: "error",
      from: { path: "^packages/" },
      to: { path: "^apps/" },
    },
    {
      name: "no-relative-import-across-workspaces",
      comment:
        "another workspace's code is imported by its package name (declared in package.json), never by a relative path",
      severity: "error",
      from: { path: "^(packages/[^/]+|apps/[^/]+|assembly|bench|test)/" },
      to: { dependencyTypes: ["local"], pathNot: "^$1/" },
    },
    {
      name: "not-to-unresolvable",
      comment: "an import that does not resolve (a missing file, or a workspace not built)",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    // Roots are the sources (npm run lint:layers); test/ is passed whole, so its own dist/ is left out.
    exclude: { path: ["(^|/)node_modules/", "^test/dist/", "/build/", "/coverage/"] },
    doNotFollow: { path: ["node_modules", "/dist/"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["import", "node", "default"] },
  },
};
