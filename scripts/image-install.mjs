#!/usr/bin/env node
// The production install of one app, for its container image: copies the app and the workspace
// packages it depends on (each package.json plus what its "files" field lists: dist/, bin/, ...)
// into OUT with the repo layout, then installs their production dependencies only, at the versions
// package-lock.json pins. The Dockerfile runs this script in its build stage and copies OUT into the
// runtime image; test/tools/image.test.ts runs it in CI (no Docker engine there) and starts the
// result, so both install the same way.
//
//   node scripts/image-install.mjs --app operator --out DIR    (after the build: npm run build)
//
// Exit codes: 0 done, 2 usage error (a flag is missing or wrong), 1 the install failed.
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

const USAGE = `Usage: node scripts/image-install.mjs --app NAME --out DIR

Copies apps/NAME and the workspace packages it depends on (built: run the build first) into DIR and
installs their production dependencies only (npm ci --omit=dev against the repo's lockfile).

  --app NAME   an app under apps/ (operator, initc, ...)
  --out DIR    where to install; must not exist or be empty
  -h, --help   this text
`;

class UsageError extends Error {}

const readJson = (file) => JSON.parse(readFileSync(file, "utf8"));

/** Every workspace of the root package.json: package name -> folder relative to the root. */
function workspaces(rootPkg) {
  const byName = new Map();
  for (const pattern of rootPkg.workspaces ?? []) {
    const dirs = pattern.endsWith("/*")
      ? readdirSync(join(root, pattern.slice(0, -2)), { withFileTypes: true })
          .filter((e) => e.isDirectory())
          .map((e) => join(pattern.slice(0, -2), e.name))
      : [pattern];
    for (const dir of dirs) {
      const file = join(root, dir, "package.json");
      if (existsSync(file)) byName.set(readJson(file).name, dir);
    }
  }
  return byName;
}

/** The app's folder and every workspace folder its dependencies (not devDependencies) reach. */
function closure(appDir, byName) {
  const seen = new Set();
  const visit = (dir) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    for (const dep of Object.keys(readJson(join(root, dir, "package.json")).dependencies ?? {})) {
      const wsDir = byName.get(dep);
      if (wsDir) visit(wsDir);
    }
  };
  visit(appDir);
  return [...seen].sort();
}

/**
 * Copies one workspace package as npm packs it: the files `npm pack --dry-run` lists (its "files"
 * field with globs, README, package.json), so the image holds exactly what a tarball would.
 */
function copyPackage(dir, out) {
  const pkg = readJson(join(root, dir, "package.json"));
  const dest = join(out, dir);
  mkdirSync(dest, { recursive: true });
  const r = spawnSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], {
    cwd: join(root, dir),
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`npm pack --dry-run in ${dir} failed: ${r.stderr.trim()}`);
  const paths = JSON.parse(r.stdout)[0].files.map((f) => f.path);
  // A package whose "files" names dist/ but packs nothing from it has not been built.
  const wantsDist = (pkg.files ?? ["dist"]).some((e) => e === "dist" || e.startsWith("dist/"));
  if (wantsDist && !paths.some((p) => p.startsWith("dist/")))
    throw new Error(`${join(dir, "dist")}: not built (run the build first: npm run build)`);
  for (const p of paths) {
    if (p === "package.json") continue;
    mkdirSync(dirname(join(dest, p)), { recursive: true });
    cpSync(join(root, dir, p), join(dest, p));
  }
  // The image runs the package, it never builds or tests it: no scripts, and no devDependencies
  // (which name workspace packages that are not copied, and would be looked up in the registry).
  const { scripts: _s, devDependencies: _d, ...manifest } = pkg;
  writeFileSync(join(dest, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

function npm(args, cwd) {
  const r = spawnSync("npm", args, { cwd, stdio: ["ignore", "inherit", "inherit"] });
  if (r.status !== 0) throw new Error(`npm ${args.join(" ")} failed (exit ${r.status ?? r.signal})`);
}

function main(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: { app: { type: "string" }, out: { type: "string" }, help: { type: "boolean", short: "h" } },
    }));
  } catch (err) {
    throw new UsageError(err.message);
  }
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  if (!values.app) throw new UsageError("--app: required (an app under apps/, e.g. operator)");
  if (!values.out) throw new UsageError("--out: required (the folder to install into)");
  const appDir = join("apps", values.app);
  if (!/^[a-z0-9-]+$/.test(values.app) || !existsSync(join(root, appDir, "package.json")))
    throw new UsageError(
      `--app: must name a folder under apps/ with a package.json, got ${JSON.stringify(values.app)}`,
    );
  const out = resolve(values.out);
  if (existsSync(out) && readdirSync(out).length > 0)
    throw new UsageError(`--out: must not exist or be empty, ${out} has files`);

  const rootPkg = readJson(join(root, "package.json"));
  const dirs = closure(appDir, workspaces(rootPkg));
  mkdirSync(out, { recursive: true });
  for (const dir of dirs) copyPackage(dir, out);
  // A root manifest naming only these workspaces, with the repo's overrides (undici for Node 20:
  // TOOLCHAIN.md pitfall 1). The repo's lockfile pins every version; the lockfile-only install
  // prunes it to these workspaces without resolving anything anew, then npm ci installs exactly it.
  const manifest = {
    name: `${rootPkg.name}-${values.app}-image`,
    private: true,
    type: "module",
    ...(rootPkg.packageManager ? { packageManager: rootPkg.packageManager } : {}),
    workspaces: dirs,
    ...(rootPkg.overrides ? { overrides: rootPkg.overrides } : {}),
  };
  writeFileSync(join(out, "package.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  cpSync(join(root, "package-lock.json"), join(out, "package-lock.json"));
  const quiet = ["--no-audit", "--no-fund", "--loglevel=error"];
  npm(["install", "--package-lock-only", "--ignore-scripts", ...quiet], out);
  npm(["ci", "--omit=dev", ...quiet], out);
  const bins = Object.values(readJson(join(out, appDir, "package.json")).bin ?? {});
  console.log(`installed ${relative(root, join(root, appDir))} into ${out}`);
  for (const bin of bins) console.log(`  run: node ${join(out, appDir, bin)}`);
}

try {
  main(process.argv.slice(2));
} catch (err) {
  console.error(`image-install: ${err.message}`);
  if (err instanceof UsageError) console.error(`\n${USAGE}`);
  process.exit(err instanceof UsageError ? 2 : 1);
}
