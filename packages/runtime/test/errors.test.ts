import { describe, expect, it } from "vitest";
import { ApiError, isAlreadyExists, isConflict, isGone, isNotFound, type Status } from "../src/index.js";

const status = (code: number, reason: string): Status => ({
  kind: "Status",
  apiVersion: "v1",
  metadata: {},
  status: "Failure",
  code,
  reason,
  message: `${reason} happened`,
});

describe("ApiError predicates", () => {
  it.each([
    [404, "NotFound", isNotFound],
    [409, "Conflict", isConflict],
    [409, "AlreadyExists", isAlreadyExists],
    [410, "Expired", isGone],
  ] as const)("%i %s is recognised and nothing else is", (code, reason, pred) => {
    const err = new ApiError(status(code, reason));
    expect(pred(err)).toBe(true);
    expect(err.message).toBe(`${reason} happened`);
    expect(pred(new ApiError(status(500, "InternalError")))).toBe(false);
    expect(pred(new Error("plain"))).toBe(false);
  });

  it("tells a conflict from an already-exists, both 409", () => {
    expect(isConflict(new ApiError(status(409, "AlreadyExists")))).toBe(false);
    expect(isAlreadyExists(new ApiError(status(409, "Conflict")))).toBe(false);
  });
});
