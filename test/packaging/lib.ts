// Helpers for the packaging suite: pack workspace packages into tarballs, install them into an
// empty project outside the repo (no workspace links), run the repo's own tools (vite, tsc) on that
// project, and serve a built page to the browser.
import { execFile, spawn } from "node:child_process";
import { createReadStream, existsSync, lstatSync, statSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import { promisify } from "node:util";

export const REPO = join(import.meta.dirname, "..", "..");
export const VITE = join(REPO, "node_modules", "vite", "bin", "vite.js");
export const TSC = join(REPO, "node_modules", "typescript", "bin", "tsc");

const run = promisify(execFile);

/**
 * The environment for child tools: without what `npm test` (npm_config_*, npm_package_*) and
 * vitest (NODE_ENV=test, VITEST*) put into ours, so the empty project is treated like a user's.
 */
export function cleanEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env))
    if (!/^(npm_|NODE_ENV$|VITEST|VITE_|TEST$|NODE_OPTIONS$)/i.test(k)) env[k] = v;
  return env;
}

export interface Ran {
  stdout: string;
  stderr: string;
}

/** Runs a command; on failure the error carries the command, its output and its exit code. */
export async function sh(cmd: string, args: string[], cwd: string, timeout = 120_000): Promise<Ran> {
  try {
    const r = await run(cmd, args, { cwd, env: cleanEnv(), timeout, maxBuffer: 16 << 20 });
    return { stdout: r.stdout, stderr: r.stderr };
  } catch (e) {
    const x = e as { code?: unknown; stdout?: string; stderr?: string; message: string };
    throw new Error(
      `${cmd} ${args.join(" ")} (in ${cwd}) failed (${String(x.code)}): ${x.message}\n${x.stdout ?? ""}\n${x.stderr ?? ""}`,
    );
  }
}

/** `npm pack` of a workspace package into `dest`; the tarball's path and its file list. */
export async function pack(pkgDir: string, dest: string): Promise<{ tarball: string; files: string[] }> {
  const { stdout } = await sh("npm", ["pack", "--json", "--pack-destination", dest], pkgDir);
  const [info] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  if (!info) throw new Error(`npm pack in ${pkgDir} printed no tarball`);
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path).sort() };
}

/** True when `path` is a real directory, not a link into the workspace. */
export function installedCopy(path: string): boolean {
  return existsSync(path) && !lstatSync(path).isSymbolicLink() && statSync(path).isDirectory();
}

const TYPES: Record<string, string> = {
  ".html": "text/html",
  ".js": "text/javascript",
  ".css": "text/css",
  ".wasm": "application/wasm",
};

/** A static file server for a built page, on a free loopback port. */
export async function serve(root: string): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const file = join(root, normalize(path === "/" ? "/index.html" : path));
    if (!file.startsWith(root) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { "content-type": TYPES[extname(file)] ?? "application/octet-stream" });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    // The browser keeps its connections open: drop them, or close() waits for them.
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/** The Vite dev server on `root` (repo's vite, no config file); its URL once it says it listens. */
export function viteDev(root: string): Promise<{ url: string; stop(): void; output(): string }> {
  const child = spawn(
    process.execPath,
    [VITE, "--host", "127.0.0.1", "--port", "0", "--clearScreen", "false"],
    {
      cwd: root,
      env: { ...cleanEnv(), NO_COLOR: "1", FORCE_COLOR: "0" },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let out = "";
  const stop = () => {
    if (child.exitCode === null && child.pid !== undefined) child.kill("SIGTERM");
  };
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      stop();
      fail(new Error(`vite dev server did not start in 60 s:\n${out}`));
    }, 60_000);
    const onData = (b: Buffer) => {
      out += b.toString();
      const m = /Local:\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out);
      if (m?.[1]) {
        clearTimeout(timer);
        ok({ url: m[1], stop, output: () => out });
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    child.on("exit", (code) => {
      clearTimeout(timer);
      fail(new Error(`vite dev server exited (${code}):\n${out}`));
    });
  });
}
