// @grove-ts/placement as a user installs it: `npm pack` of it and of @grove-ts/placement-wasm,
// both tarballs installed with `npm install --offline` into an empty project outside the repo (real
// copies, no workspace links), then
// - Node 20: solve() on a small problem with the wasm and the js engine; the typings check with tsc
//   under "nodenext" and "bundler" resolution, with no @types/node;
// - a browser: a Vite build (the repo's vite, no config file) of a page importing the package,
//   served and run in Debian's chromium; and the same page from Vite's dev server (dependency
//   pre-bundling). The wasm engine runs there from the module inlined in the browser entry.
// Every run gives the same placement. Without /usr/bin/chromium the browser half is skipped with a
// message (test/browser/chromium.ts).
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { BrowserContext } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launch, present } from "../browser/chromium.js";
import { installedCopy, pack, REPO, serve, sh, TSC, VITE, viteDev } from "./lib.js";
import { APP_FILES, checkPlacement, type Outcome } from "./page.js";

let dir = "";
let app = "";
const packed: Record<string, string[]> = {};
/** Node's gangs on the wasm engine: every other run must give exactly these. */
let inNode: Outcome["wasm"] | undefined;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "grove-pack-"));
  const tarballs = join(dir, "tarballs");
  app = join(dir, "app");
  mkdirSync(tarballs);
  mkdirSync(app);
  const wasm = await pack(join(REPO, "assembly"), tarballs);
  const placement = await pack(join(REPO, "packages", "placement"), tarballs);
  packed.wasm = wasm.files;
  packed.placement = placement.files;
  for (const [name, text] of Object.entries(APP_FILES)) writeFileSync(join(app, name), text);
  await sh(
    "npm",
    [
      "install",
      "--offline",
      "--no-audit",
      "--no-fund",
      "--loglevel",
      "error",
      wasm.tarball,
      placement.tarball,
    ],
    app,
  );
}, 180_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe("the packed tarballs", () => {
  it("hold the built code, typings and wasm only (no tests, sources or maps)", () => {
    expect(packed.wasm).toEqual([
      "README.md",
      "build/debug.wasm",
      "build/release-wasm.d.ts",
      "build/release-wasm.js",
      "build/release.wasm",
      "dist/browser.d.ts",
      "dist/browser.js",
      "dist/index.d.ts",
      "dist/index.js",
      "dist/instance.d.ts",
      "dist/instance.js",
      "package.json",
    ]);
    const files = packed.placement ?? [];
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/index.d.ts");
    expect(files).toContain("bin/grove-place.js");
    expect(files).toContain("README.md");
    expect(
      files.filter((f) => !/^(dist\/.*\.(js|d\.ts)|bin\/grove-place\.js|README\.md|package\.json)$/.test(f)),
    ).toEqual([]);
  });

  it("install as real copies whose dependencies are only each other", () => {
    const mods = join(app, "node_modules", "@grove-ts");
    expect(installedCopy(join(mods, "placement"))).toBe(true);
    expect(installedCopy(join(mods, "placement-wasm"))).toBe(true);
    expect(readdirSync(join(app, "node_modules")).filter((n) => !n.startsWith("."))).toEqual(["@grove-ts"]);
    const pj = JSON.parse(readFileSync(join(mods, "placement", "package.json"), "utf8")) as {
      dependencies: Record<string, string>;
    };
    expect(pj.dependencies).toEqual({ "@grove-ts/placement-wasm": "0.1.0" });
  });
});

describe("in Node 20", () => {
  it("solve() places the gangs alike on the wasm and the js engine", async () => {
    const { stdout } = await sh(process.execPath, ["node-check.mjs"], app);
    const out = JSON.parse(stdout) as Outcome;
    expect(checkPlacement(out.wasm)).toEqual([]);
    expect(out.js).toEqual(out.wasm);
    expect(out.engines).toEqual(["wasm", "js"]);
    expect(out.debug).toBe("ran");
    inNode = out.wasm;
  });

  it("grove-place runs from the installed bin", async () => {
    const { stdout } = await sh("npx", ["--offline", "grove-place", "--engine", "js", "problem.json"], app);
    const r = JSON.parse(stdout) as { gangs: unknown[] };
    expect(r.gangs.map((g) => (g as { placed: boolean }).placed)).toEqual([true, false]);
  });

  it.each(["nodenext", "bundler"])(
    "its typings check under %s resolution, without @types/node",
    async (res) => {
      const config = `tsconfig.${res}.json`;
      writeFileSync(
        join(app, config),
        JSON.stringify({
          compilerOptions: {
            target: "ES2022",
            lib: ["ES2022", "DOM"],
            module: res === "bundler" ? "ESNext" : "NodeNext",
            moduleResolution: res,
            strict: true,
            noEmit: true,
            types: [],
          },
          files: ["typed.ts"],
        }),
      );
      await sh(process.execPath, [TSC, "-p", config], app);
    },
  );
});

describe.skipIf(!present)("in a browser (Vite bundle, chromium)", () => {
  let ctx: BrowserContext;
  beforeAll(async () => {
    ctx = await launch(join(dir, "browser"), { width: 800, height: 600 });
  }, 60_000);
  afterAll(async () => {
    await ctx?.close();
  });

  async function outcome(url: string): Promise<Outcome & { errors: string[] }> {
    const page = await ctx.newPage();
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => {
      if (m.type() === "error") errors.push(m.text());
    });
    page.on("requestfailed", (r) => errors.push(`${r.url()}: ${r.failure()?.errorText}`));
    await page.goto(url);
    const text = await page
      .locator("#out[data-done]")
      .textContent({ timeout: 60_000 })
      .catch((e: Error) => {
        throw new Error(`${url}: no result on the page (${e.message}); page errors: ${errors.join("; ")}`);
      })
      .finally(() => page.close());
    return { ...(JSON.parse(text ?? "{}") as Outcome), errors };
  }

  it("a production build runs solve() on both engines, the wasm inlined", async () => {
    await sh(process.execPath, [VITE, "build", "--logLevel", "warn"], app);
    const assets = readdirSync(join(app, "dist", "assets")).filter((f) => f.endsWith(".js"));
    const bundle = assets.map((f) => readFileSync(join(app, "dist", "assets", f), "utf8")).join("\n");
    // "\0asm" in base64, the start of the inlined module; and nothing Node-only.
    expect(/["'`]AGFzbQ/.test(bundle), "the wasm module inlined in the bundle").toBe(true);
    expect(bundle.includes("node:"), "node: imports in the bundle").toBe(false);
    const server = await serve(join(app, "dist"));
    try {
      const out = await outcome(server.url);
      expect(out.errors).toEqual([]);
      expect(checkPlacement(out.wasm)).toEqual([]);
      expect(out.wasm).toEqual(inNode ?? out.js);
      expect(out.js).toEqual(out.wasm);
      expect(out.engines).toEqual(["wasm", "js"]);
      expect(out.debug).toMatch(/wasm build "debug" is not bundled for browsers: only "release" is/);
    } finally {
      await server.close();
    }
  }, 120_000);

  it("the dev server (dependencies pre-bundled) gives the same", async () => {
    const dev = await viteDev(app);
    try {
      const out = await outcome(dev.url);
      expect(out.errors).toEqual([]);
      expect(checkPlacement(out.wasm)).toEqual([]);
      expect(out.wasm).toEqual(inNode ?? out.js);
      expect(out.js).toEqual(out.wasm);
    } finally {
      dev.stop();
    }
  }, 120_000);
});
