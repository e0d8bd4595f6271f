// The browser entry (the "browser" export condition) with the release module inlined as base64:
// it loads the same kernel as the Node entry, with no file access, and says clearly what it lacks.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { RELEASE_WASM_BASE64 } from "../build/release-wasm.js";
import * as browser from "../src/browser.js";
import { wasmPath } from "../src/index.js";

describe("browser entry", () => {
  it("inlines exactly build/release.wasm", () => {
    expect(Buffer.from(RELEASE_WASM_BASE64, "base64").equals(readFileSync(wasmPath("release")))).toBe(true);
  });

  it("loads the release build: aligned blocks in its own memory", () => {
    const w = browser.loadPlacementWasm();
    expect(w.build).toBe("release");
    const a = w.alloc(64);
    expect(a % 16).toBe(0);
    expect(browser.loadPlacementWasm().memory).not.toBe(w.memory);
    w.release(a);
  });

  it("names what it cannot do", () => {
    expect(() => browser.loadPlacementWasm("debug")).toThrow(
      'wasm build "debug" is not bundled for browsers: only "release" is (use the default)',
    );
    expect(() => browser.loadPlacementWasm("fast" as "release")).toThrow(
      'unknown wasm build "fast" (release, debug)',
    );
    expect(() => browser.wasmPath("release")).toThrow(/Node-only/);
  });
});
