// grove-operator serves the live placement dashboard: its URL in the start-up line under
// "dashboard", the cluster's model behind it, refused without a token off loopback, nothing left
// listening after SIGTERM; --dashboard-addr off / --no-dashboard serve none.
import { spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { resolveCli } from "../src/cli/options.js";
import { startTestCluster, type TestCluster } from "./cluster.js";

const BIN = fileURLToPath(new URL("../bin/grove-operator.js", import.meta.url));
const FREE_PORTS = ["--health-port", "0", "--metrics-port", "0"];

let cluster: TestCluster;
beforeAll(async () => {
  cluster = await startTestCluster("grove-operator-dashboard", { nodes: ["n1", "n2"] });
});
afterAll(() => cluster?.close());

/** Runs grove-operator until its start-up line, then SIGTERM; returns that line and the exit code. */
async function runOperator(
  args: string[],
  whileUp: (start: Record<string, unknown>) => Promise<void>,
): Promise<{ start: Record<string, unknown>; code: number | null }> {
  const child = spawn(
    process.execPath,
    [BIN, "--kubeconfig", cluster.kubeconfig, "--no-webhooks", ...FREE_PORTS, ...args],
    {
      stdio: ["ignore", "ignore", "pipe"],
    },
  );
  const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
  let err = "";
  const running = new Promise<Record<string, unknown>>((resolve, reject) => {
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
      const line = err.split("\n").find((l) => l.includes('"grove-operator running"'));
      if (line) resolve(JSON.parse(line) as Record<string, unknown>);
    });
    child.on("exit", (code) => reject(new Error(`exited ${code}: ${err}`)));
  });
  let start: Record<string, unknown> = {};
  try {
    start = await running;
    await whileUp(start);
  } finally {
    child.kill("SIGTERM");
  }
  return { start, code: await exited };
}

const portFree = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const s = createServer();
    s.once("error", () => resolve(false));
    s.listen(port, "127.0.0.1", () => s.close(() => resolve(true)));
  });

describe("grove-operator: the dashboard", () => {
  it("logs its URL at start, serves the cluster's model, frees the port on SIGTERM", async () => {
    const { start, code } = await runOperator([], async (s) => {
      const url = String(s.dashboard);
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      const model = (await (await fetch(`${url}api/model`)).json()) as { totals: { nodes: number } };
      expect(model.totals.nodes).toBe(2);
    });
    expect(code).toBe(0);
    expect(await portFree(Number(new URL(String(start.dashboard)).port))).toBe(true);
  }, 60_000);

  it("off loopback: a request without a bearer token is refused (401)", async () => {
    const { code } = await runOperator(["--dashboard-addr", "0.0.0.0:0"], async (s) => {
      const url = String(s.dashboard);
      const res = await fetch(`${url}api/model`);
      expect(res.status).toBe(401);
      expect(res.headers.get("www-authenticate")).toBe("Bearer");
    });
    expect(code).toBe(0);
  }, 60_000);

  it("--no-dashboard: none served, none logged", async () => {
    const { start } = await runOperator(["--no-dashboard"], async () => {});
    expect(start.dashboard).toBeUndefined();
  }, 60_000);
});

describe("grove-operator --dashboard-addr", () => {
  it.each([
    [[], { host: "127.0.0.1", port: 0 }],
    [["--dashboard-addr", "0.0.0.0:2753"], { host: "0.0.0.0", port: 2753 }],
    [["--dashboard-addr", "off"], "off"],
    [["--no-dashboard"], "off"],
  ])("%j", (args, want) => {
    expect(resolveCli(["--kubeconfig", "k", ...args]).dashboard).toEqual(want);
  });
  it("a bad address names the flag and the rule", () => {
    expect(() => resolveCli(["--kubeconfig", "k", "--dashboard-addr", "x:y"])).toThrow(
      '--dashboard-addr: must be HOST:PORT (PORT 0 = any free port) or off, got "x:y"',
    );
  });
});
