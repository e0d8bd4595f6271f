// The default sinks: JSON lines (machines) and text lines (people), on stderr.
import { afterEach, describe, expect, it, vi } from "vitest";
import { createLogger } from "../src/index.js";

const captured = () => {
  const lines: string[] = [];
  vi.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    lines.push(String(chunk));
    return true;
  });
  return lines;
};
afterEach(() => vi.restoreAllMocks());

describe("createLogger", () => {
  it("json: one object per line with level, time, msg and the values; errors become their message and code", () => {
    const lines = captured();
    const err = Object.assign(new Error("pods is forbidden"), { code: 403 });
    createLogger().with({ component: "c" }).warn("list failed", { error: err, n: 2 });
    expect(lines).toHaveLength(1);
    const rec = JSON.parse(lines[0] ?? "") as Record<string, unknown>;
    expect(rec).toMatchObject({
      level: "warn",
      msg: "list failed",
      component: "c",
      n: 2,
      error: { error: "pods is forbidden", code: 403 },
    });
  });

  it("text: time, LEVEL, the quoted message and key=value pairs, values quoted where they are not one word", () => {
    const lines = captured();
    createLogger({ format: "text", level: "debug" }).info("grove-operator running", {
      kubeconfig: "/tmp/k.yaml",
      qps: 100,
      names: ["a", "b"],
      reason: "two words",
      error: new Error("boom"),
    });
    expect(lines[0]).toMatch(
      /^\d{4}-\d\d-\d\dT[\d:.]+Z INFO "grove-operator running" kubeconfig=\/tmp\/k\.yaml qps=100 names=\["a","b"\] reason="two words" error=\{"error":"boom"\}\n$/,
    );
  });

  it("drops records below the level", () => {
    const lines = captured();
    const log = createLogger({ level: "warn", format: "text" });
    log.info("hidden");
    log.error("shown");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain('ERROR "shown"');
  });
});
