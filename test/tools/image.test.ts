// The container images' install step without a Docker engine: scripts/image-install.mjs (the one
// the Dockerfile's build stage runs) installs an app into a clean folder, and the result starts and
// holds the production dependencies only, at the versions the repo's lockfile pins.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { groveCrds } from "@grove-ts/api";
import { startApiServer } from "@grove-ts/apiserver";
import { CustomResourceDefinitionType, type KubeObject } from "@grove-ts/runtime";
import { afterAll, describe, expect, it } from "vitest";
import { repoRoot } from "../src/shared.js";

const script = join(repoRoot, "scripts/image-install.mjs");
const scratch = mkdtempSync(join(tmpdir(), "grove-image-test-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

type Json = Record<string, unknown>;
const readJson = (file: string) => JSON.parse(readFileSync(file, "utf8")) as Json;
const rootLock = readJson(join(repoRoot, "package-lock.json")).packages as Record<string, Json>;

function install(app: string, out: string) {
  return spawnSync(process.execPath, [script, "--app", app, "--out", out], { encoding: "utf8" });
}

/** Build, test and lint tools of the repo: none of them may reach an image. */
const DEV_TOOLS = [
  "@biomejs/biome",
  "@vitest/coverage-v8",
  "assemblyscript",
  "esbuild",
  "tsx",
  "turbo",
  "typescript",
  "vite",
  "vitest",
];

/** Names installed in node_modules (scoped ones as @scope/name). */
function installed(dir: string): string[] {
  const nm = join(dir, "node_modules");
  return readdirSync(nm).flatMap((n) =>
    n.startsWith("@") ? readdirSync(join(nm, n)).map((m) => `${n}/${m}`) : n.startsWith(".") ? [] : [n],
  );
}

const apps = [
  { app: "operator", bin: "apps/operator/bin/grove-operator.js", usage: "Usage: grove-operator" },
  { app: "initc", bin: "apps/initc/bin/grove-initc.js", usage: "grove-initc" },
];

describe("scripts/image-install.mjs", () => {
  for (const { app, bin, usage } of apps) {
    // apps/initc is newer than this suite: where it is not there (or not built), say so.
    const built = existsSync(join(repoRoot, "apps", app, "dist"));
    if (!built) console.warn(`[tools/image] ${app}: apps/${app}/dist not found (not built): skipped`);

    it.skipIf(!built)(`${app}: installs into a clean folder and the result starts`, () => {
      const out = join(scratch, app);
      const r = install(app, out);
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`run: node ${join(out, bin)}`);

      const help = spawnSync(process.execPath, [join(out, bin), "--help"], {
        encoding: "utf8",
        cwd: scratch,
      });
      expect(help.status, help.stderr).toBe(0);
      expect(help.stdout).toContain(usage);

      // Production dependencies only: no build, test or lint tool.
      const names = installed(out);
      expect(names).toContain(`@grove-ts/${app}`);
      expect(names.filter((n) => DEV_TOOLS.includes(n))).toEqual([]);
      const lock = readJson(join(out, "package-lock.json")).packages as Record<string, Json>;
      const devOnly = Object.keys(lock).filter((key) => key.includes("node_modules/") && rootLock[key]?.dev);
      expect(devOnly, "packages the repo's lockfile marks dev-only").toEqual([]);

      // Every installed package at the version the repo's lockfile pins.
      const drift = Object.entries(lock)
        .filter(([key]) => key.includes("node_modules/") && !lock[key]?.link)
        .filter(([key, entry]) => rootLock[key]?.version !== entry.version)
        .map(([key, entry]) => `${key}: ${entry.version} (repo lock: ${rootLock[key]?.version})`);
      expect(drift).toEqual([]);
    });
  }

  it.skipIf(!existsSync(join(repoRoot, "apps/operator/dist")))(
    "operator: the installed image's operator runs against an API server and answers /readyz",
    async () => {
      // The first test's install where it ran; a fresh one otherwise.
      let out = join(scratch, "operator");
      if (!existsSync(join(out, "apps/operator/bin/grove-operator.js"))) {
        out = join(scratch, "operator-run");
        const r = install("operator", out);
        expect(r.status, r.stderr).toBe(0);
      }
      const api = await startApiServer({ kubeconfigPath: join(scratch, "run.kubeconfig") });
      const child = spawn(
        process.execPath,
        [
          join(out, "apps/operator/bin/grove-operator.js"),
          "--kubeconfig",
          join(scratch, "run.kubeconfig"),
          "--no-webhooks",
          "--health-port",
          "0",
          "--metrics-port",
          "0",
        ],
        { cwd: scratch, stdio: ["ignore", "ignore", "pipe"] },
      );
      let err = "";
      child.stderr.on("data", (d: Buffer) => {
        err += d.toString();
      });
      try {
        for (const crd of groveCrds())
          await api.client.create(CustomResourceDefinitionType, crd as unknown as KubeObject);
        const t0 = Date.now();
        while (!err.includes("grove-operator running")) {
          if (child.exitCode !== null) throw new Error(`exited ${child.exitCode}: ${err}`);
          if (Date.now() - t0 > 30_000) throw new Error(`not running after 30 s: ${err}`);
          await new Promise((res) => setTimeout(res, 100));
        }
        const probes = /"serving health probes","url":"(http:\/\/[^"]+)"/.exec(err)?.[1];
        expect(probes, err).toBeDefined();
        const ready = await fetch(`${probes}/readyz`);
        expect(ready.status).toBe(200);
      } finally {
        child.kill("SIGTERM");
        await new Promise((res) => child.once("exit", res));
        await api.close();
      }
    },
    60_000,
  );

  it("the Dockerfile installs each runtime stage with this script and starts the app's bin", () => {
    const dockerfile = readFileSync(join(repoRoot, "Dockerfile"), "utf8");
    // The build stage installs with the npm the repo pins.
    const packageManager = readJson(join(repoRoot, "package.json")).packageManager as string;
    expect(dockerfile).toContain(`npm install --global ${packageManager} `);
    for (const { app } of apps) {
      expect(dockerfile).toContain(` AS ${app}\n`);
      const manifest = join(repoRoot, "apps", app, "package.json");
      if (!existsSync(manifest)) continue;
      const bins = Object.values(readJson(manifest).bin as Record<string, string>);
      expect(dockerfile).toContain(`node scripts/image-install.mjs --app ${app} --out /out/${app}`);
      const stage = dockerfile.split(/^FROM /m).find((s) => s.split("\n")[0]?.endsWith(` AS ${app}`));
      expect(stage, `a stage "AS ${app}"`).toBeDefined();
      expect(stage).toContain(`COPY --from=build --chown=0:0 /out/${app}/ ./`);
      expect(stage).toMatch(/^USER [1-9]\d*:[1-9]\d*$/m);
      const entry = stage?.match(/^ENTRYPOINT \["node", "\/opt\/grove-ts\/(.+)"\]$/m)?.[1];
      expect(bins.map((b) => join("apps", app, b))).toContain(entry);
    }
  });

  it("an unknown app or a folder with files is a usage error naming the flag", () => {
    const missing = install("no-such-app", join(scratch, "x"));
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain(
      '--app: must name a folder under apps/ with a package.json, got "no-such-app"',
    );

    const noOut = spawnSync(process.execPath, [script, "--app", "operator"], { encoding: "utf8" });
    expect(noOut.status).toBe(2);
    expect(noOut.stderr).toContain("--out: required");

    const full = install("operator", repoRoot);
    expect(full.status).toBe(2);
    expect(full.stderr).toContain("--out: must not exist or be empty");
  });
});
