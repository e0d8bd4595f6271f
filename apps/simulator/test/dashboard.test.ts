// grove-sim up serves the live placement dashboard: its URL on a line that says `dashboard`, the
// model of the simulated cluster behind it, nothing left listening after SIGTERM; --no-dashboard
// and --dashboard-addr off serve none; a bad address is a usage error naming the flag.
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/grove-sim.js", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "grove-sim-dashboard-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs grove-sim up until its ready line, then SIGTERM; returns its output and exit code. */
async function upUntilReady(
  args: string[],
  whileUp: (out: string) => Promise<void>,
): Promise<{ out: string; code: number | null }> {
  const child = spawn(
    process.execPath,
    [BIN, "up", "--nodes", "2", "--kubeconfig", join(dir, "kc"), ...args],
    {
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  let out = "";
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
  });
  child.stderr.on("data", (b: Buffer) => {
    out += b.toString();
  });
  try {
    const deadline = Date.now() + 60_000;
    while (!out.includes("ready.") && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 100));
    expect(out).toContain("ready.");
    await whileUp(out);
  } finally {
    child.kill("SIGTERM");
  }
  return { out, code: await exited };
}

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

describe("grove-sim up: the dashboard", () => {
  it("prints its URL on a dashboard line, serves the cluster's model, frees the port on SIGTERM", async () => {
    let url = "";
    const { code } = await upUntilReady([], async (out) => {
      url = /dashboard\s+(http:\/\/127\.0\.0\.1:\d+\/)/.exec(out)?.[1] ?? "";
      expect(url).not.toBe("");
      const page = await fetch(url);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("grove-ts dashboard");
      const model = (await (await fetch(`${url}api/model`)).json()) as { totals: { gpus: number } };
      // 2 GPU nodes of 8 GPUs (and the 30 agent nodes without GPUs).
      expect(model.totals.gpus).toBe(16);
    });
    expect(code).toBe(0);
    expect(await portFree(Number(new URL(url).port))).toBe(true);
  });

  it.each([[["--no-dashboard"]], [["--dashboard-addr", "off"]]])("%j serves none", async (flag) => {
    const { out, code } = await upUntilReady(flag, async () => {});
    expect(out).not.toMatch(/grove-sim: dashboard/);
    expect(code).toBe(0);
  });

  it.each([
    [
      ["up", "--dashboard-addr", "somewhere"],
      '--dashboard-addr: must be HOST:PORT (PORT 0 = any free port) or off, got "somewhere"',
    ],
    [["nodes", "--kubeconfig", "k", "--no-dashboard"], "nodes: --no-dashboard applies to up only"],
  ])("%j is a usage error (exit 2): %s", (args, message) => {
    const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(message);
  });
});
