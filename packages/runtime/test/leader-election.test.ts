// The LeaderElector's pure parts. Its behaviour against real servers (two electors, release,
// loss, expiry on the local clock) is in test/contract/leader-election.test.ts: this package cannot
// use @grove-ts/apiserver, which depends on it.
import { describe, expect, it } from "vitest";
import {
  type Client,
  defaultLeaderIdentity,
  formatMicroTime,
  type LeaderElectorOptions,
  leaseRecord,
  validateLeaderElectionOptions,
} from "../src/index.js";

const base: LeaderElectorOptions = {
  client: {} as Client,
  namespace: "ns",
  name: "lease",
  onStartedLeading: () => {},
  onStoppedLeading: () => {},
};

describe("validateLeaderElectionOptions: client-go's NewLeaderElector rules", () => {
  it("accepts client-go's defaults and short test timings", () => {
    expect(() => validateLeaderElectionOptions(base)).not.toThrow();
    expect(() =>
      validateLeaderElectionOptions({
        ...base,
        leaseDurationMs: 2000,
        renewDeadlineMs: 1500,
        retryPeriodMs: 300,
      }),
    ).not.toThrow();
  });
  it.each([
    [{ leaseDurationMs: 0 }, /leaseDurationMs: must be > 0/],
    [{ retryPeriodMs: -1 }, /retryPeriodMs: must be > 0/],
    [{ renewDeadlineMs: Number.NaN }, /renewDeadlineMs: must be > 0/],
    [{ leaseDurationMs: 10_000 }, /leaseDurationMs: must be greater than renewDeadlineMs \(10000 <= 10000\)/],
    [{ retryPeriodMs: 9000 }, /renewDeadlineMs: must be greater than retryPeriodMs \* 1.2/],
    [
      { leaseDurationMs: 800, renewDeadlineMs: 500, retryPeriodMs: 100 },
      /leaseDurationMs: must be at least 1000/,
    ],
    [{ identity: "" }, /identity: must not be empty/],
    [{ namespace: "" }, /namespace: required/],
    [{ name: "" }, /name: required/],
  ] as [Partial<LeaderElectorOptions>, RegExp][])("refuses %o", (over, message) => {
    let err: unknown;
    try {
      validateLeaderElectionOptions({ ...base, ...over });
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe("InvalidLeaderElectionConfig");
    expect((err as Error).message).toMatch(message);
  });
});

describe("Lease fields", () => {
  it("MicroTime: RFC 3339, UTC, exactly six fraction digits", () => {
    expect(formatMicroTime(Date.UTC(2026, 11, 7, 1, 2, 3, 45))).toBe("2026-12-07T01:02:03.045000Z");
    expect(formatMicroTime(Date.UTC(2026, 0, 1) + 0.5)).toBe("2026-01-01T00:00:00.000500Z");
  });

  it("identity: <hostname>_<uuid>, new per elector", () => {
    const a = defaultLeaderIdentity();
    expect(a).toMatch(/^.+_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(defaultLeaderIdentity()).not.toBe(a);
  });

  it.each([
    {
      name: "a full record",
      spec: {
        holderIdentity: "x",
        leaseDurationSeconds: 15,
        acquireTime: "t1",
        renewTime: "t2",
        leaseTransitions: 3,
      },
      record: {
        holderIdentity: "x",
        leaseDurationSeconds: 15,
        acquireTime: "t1",
        renewTime: "t2",
        leaseTransitions: 3,
      },
      malformed: [],
    },
    {
      name: "no spec: free, expired",
      spec: undefined,
      record: { holderIdentity: "", leaseDurationSeconds: 0, leaseTransitions: 0 },
      malformed: [],
    },
    {
      name: "wrong types read as absent and are named",
      spec: { holderIdentity: 42, leaseDurationSeconds: "15", renewTime: {}, leaseTransitions: -1 },
      record: { holderIdentity: "", leaseDurationSeconds: 0, leaseTransitions: 0 },
      malformed: [
        "spec.holderIdentity",
        "spec.leaseDurationSeconds",
        "spec.leaseTransitions",
        "spec.renewTime",
      ],
    },
    {
      name: "a spec that is not an object",
      spec: "garbage",
      record: { holderIdentity: "", leaseDurationSeconds: 0, leaseTransitions: 0 },
      malformed: ["spec"],
    },
  ])("leaseRecord: $name", ({ spec, record, malformed }) => {
    const got = leaseRecord({ metadata: { name: "l" }, spec } as never);
    expect(got.record).toEqual(record);
    expect(got.malformed).toEqual(malformed);
  });
});
