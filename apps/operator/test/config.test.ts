// OperatorConfiguration files (grove-api.md §9.8, §10) and how flags override them.
import { describe, expect, it } from "vitest";
import { resolveCli, UsageError } from "../src/cli/options.js";
import { OperatorConfigError, parseOperatorConfig } from "../src/index.js";

const HEAD = "apiVersion: operator.config.grove.io/v1alpha1\nkind: OperatorConfiguration\n";

/** Upstream's scale preset, plus sections grove-operator does not act on. */
const SCALE = `${HEAD}runtimeClientConnection:
  qps: 100
  burst: 150
  contentType: application/json
controllers:
  podCliqueSet:
    concurrentSyncs: 20
  podClique:
    concurrentSyncs: 20
  podCliqueScalingGroup:
    concurrentSyncs: 20
logLevel: info
logFormat: json
leaderElection:
  enabled: true
  leaseDuration: 15s
  renewDeadline: 10s
  retryPeriod: 2s
  resourceLock: leases
  resourceName: grove-operator-leader-election
server:
  metrics:
    port: 2752
scheduler:
  profiles:
    - name: default-scheduler
    - name: kai-scheduler
  defaultProfileName: kai-scheduler
someFutureField: true
`;

describe("parseOperatorConfig", () => {
  it("acts on client limits, concurrency and log level; lists every other set field once", () => {
    const c = parseOperatorConfig(SCALE, "scale.yaml");
    expect(c.qps).toBe(100);
    expect(c.burst).toBe(150);
    expect(c.concurrency).toEqual({ pcs: 20, pclq: 20, pcsg: 20 });
    expect(c.logLevel).toBe("info");
    expect(c.logFormat).toBe("json");
    expect(c.leaderElection).toEqual({
      enabled: true,
      leaseDurationMs: 15_000,
      renewDeadlineMs: 10_000,
      retryPeriodMs: 2000,
      resourceName: "grove-operator-leader-election",
    });
    expect(c.ignored).toEqual([
      "runtimeClientConnection.contentType",
      "scheduler.defaultProfileName",
      "scheduler.profiles",
      "someFutureField",
    ]);
    expect(c.metrics).toEqual({ port: 2752 });
    expect(c.healthProbes).toBeUndefined();
  });

  it("podGang concurrency and topology-aware scheduling", () => {
    const c = parseOperatorConfig(
      `${HEAD}controllers: {podGang: {concurrentSyncs: 7}}\ntopologyAwareScheduling: {enabled: false}\n`,
    );
    expect(c.concurrency).toEqual({ podgang: 7 });
    expect(c.topologyAwareScheduling).toBe(false);
    expect(c.ignored).toEqual([]);
  });

  it("a minimal file sets nothing", () => {
    const c = parseOperatorConfig(HEAD);
    expect(c).toEqual({ concurrency: {}, webhooks: {}, authorizer: {}, ignored: [] });
  });

  const bad: { name: string; yaml: string; problems: string[] }[] = [
    {
      name: "concurrentSyncs 0",
      yaml: `${HEAD}controllers: {podClique: {concurrentSyncs: 0}}`,
      problems: ["controllers.podClique.concurrentSyncs: must be > 0"],
    },
    {
      name: "concurrentSyncs negative, on every controller",
      yaml: `${HEAD}controllers: {podCliqueSet: {concurrentSyncs: -1}, podCliqueScalingGroup: {concurrentSyncs: -2}, podGang: {concurrentSyncs: 0}}`,
      problems: [
        "controllers.podCliqueSet.concurrentSyncs: must be > 0",
        "controllers.podCliqueScalingGroup.concurrentSyncs: must be > 0",
        "controllers.podGang.concurrentSyncs: must be > 0",
      ],
    },
    {
      name: "concurrentSyncs not an integer",
      yaml: `${HEAD}controllers: {podClique: {concurrentSyncs: "20"}}`,
      problems: ["controllers.podClique.concurrentSyncs: must be an integer"],
    },
    {
      name: "burst negative",
      yaml: `${HEAD}runtimeClientConnection: {burst: -1}`,
      problems: ["runtimeClientConnection.burst: must be >= 0"],
    },
    {
      name: "qps not a number",
      yaml: `${HEAD}runtimeClientConnection: {qps: fast}`,
      problems: ["runtimeClientConnection.qps: must be a number"],
    },
    {
      name: "log level and format",
      yaml: `${HEAD}logLevel: warn\nlogFormat: xml`,
      problems: [
        'logLevel: must be one of debug, info, error, got "warn"',
        'logFormat: must be one of json, text, got "xml"',
      ],
    },
    {
      name: "wrong apiVersion and kind",
      yaml: "apiVersion: v1\nkind: ConfigMap\n",
      problems: [
        'apiVersion: must be operator.config.grove.io/v1alpha1, got "v1"',
        'kind: must be OperatorConfiguration, got "ConfigMap"',
      ],
    },
    {
      name: "unknown and duplicate scheduler profiles",
      yaml: `${HEAD}scheduler: {profiles: [{name: yunikorn}, {name: kai-scheduler}, {name: kai-scheduler}]}`,
      problems: [
        'scheduler.profiles[0].name: must be one of kai-scheduler, default-scheduler, volcano, lpx-scheduler, got "yunikorn"',
        "scheduler.profiles[2].name: duplicate profile kai-scheduler",
      ],
    },
    {
      name: "no profiles; default profile not among them",
      yaml: `${HEAD}scheduler: {profiles: [], defaultProfileName: volcano}`,
      problems: [
        "scheduler.profiles: must have at least one profile",
        'scheduler.defaultProfileName: must be one of the profiles, got "volcano"',
      ],
    },
    {
      name: "leader election: lease not above renew deadline, a lock other than leases, a name not a string",
      yaml: `${HEAD}leaderElection: {enabled: true, leaseDuration: 10s, renewDeadline: 10s, retryPeriod: 0s, resourceLock: configmapsleases, resourceName: [x]}`,
      problems: [
        "leaderElection.retryPeriod: must be a duration > 0",
        "leaderElection.leaseDuration: must be greater than renewDeadline",
        "leaderElection.resourceName: must be a string",
        'leaderElection.resourceLock: must be leases (the only lock grove-operator implements), got "configmapsleases"',
      ],
    },
    {
      name: "leader election: client-go's rules (whole-second lease, renew deadline above 1.2 retry periods)",
      yaml: `${HEAD}leaderElection: {enabled: true, leaseDuration: 900ms, renewDeadline: 500ms, retryPeriod: 500ms}`,
      problems: [
        "leaderElection.leaseDuration: must be at least 1s",
        "leaderElection.renewDeadline: must be greater than retryPeriod * 1.2",
      ],
    },
    {
      name: "leader election: enabled not a boolean, a namespace not a string",
      yaml: `${HEAD}leaderElection: {enabled: "yes", resourceNamespace: 3}`,
      problems: [
        "leaderElection.enabled: must be a boolean",
        "leaderElection.resourceNamespace: must be a string",
      ],
    },
    {
      name: "leader election: a lease not above the default renew deadline",
      yaml: `${HEAD}leaderElection: {enabled: true, leaseDuration: 8s}`,
      problems: ["leaderElection.leaseDuration: must be greater than renewDeadline"],
    },
    {
      name: "a section that is not a mapping",
      yaml: `${HEAD}controllers: [1]`,
      problems: ["controllers: must be a mapping"],
    },
    {
      name: "probe and metrics servers: port range, bindAddress type",
      yaml: `${HEAD}server: {healthProbes: {port: 70000}, metrics: {port: "x", bindAddress: 1}}`,
      problems: [
        "server.healthProbes.port: must be an integer port (0-65535; 0 = any free port)",
        "server.metrics.bindAddress: must be a string",
        "server.metrics.port: must be an integer port",
      ],
    },
    { name: "not YAML", yaml: "a: [", problems: ["(file): not YAML"] },
    { name: "not a mapping", yaml: "- 1", problems: ["(file): must be a YAML mapping"] },
  ];

  it.each(bad)("rejects: $name", ({ yaml, problems }) => {
    let err: unknown;
    try {
      parseOperatorConfig(yaml, "f.yaml");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OperatorConfigError);
    const e = err as OperatorConfigError;
    expect(e.code).toBe("InvalidOperatorConfiguration");
    const got = e.problems.map((p) => `${p.field}: ${p.rule}`);
    expect(got.length).toBe(problems.length);
    problems.forEach((p, i) => {
      expect(got[i]?.startsWith(p), `${got[i]} starts with ${p}`).toBe(true);
    });
    expect(e.message.startsWith("f.yaml: ")).toBe(true);
  });

  it("leader election: Grove's defaults fill what the file leaves out; an empty lock or name is defaulted", () => {
    const c = parseOperatorConfig(
      `${HEAD}leaderElection: {enabled: true, resourceLock: "", resourceName: "", resourceNamespace: grove-system, retryPeriod: 1500ms}`,
    );
    expect(c.leaderElection).toEqual({
      enabled: true,
      retryPeriodMs: 1500,
      resourceNamespace: "grove-system",
    });
    expect(c.ignored.filter((f) => f.startsWith("leaderElection"))).toEqual([]);
  });

  it("leader election settings are not checked while it is disabled", () => {
    expect(() =>
      parseOperatorConfig(`${HEAD}leaderElection: {enabled: false, leaseDuration: 1s, renewDeadline: 5s}`),
    ).not.toThrow();
  });
});

describe("resolveCli: flags over the file over the defaults", () => {
  const files: Record<string, string> = {
    "scale.yaml": SCALE,
    "bad.yaml": `${HEAD}logLevel: loud`,
    "le.yaml": `${HEAD}leaderElection: {enabled: true, leaseDuration: 4s, renewDeadline: 3s, retryPeriod: 1s, resourceName: from-file, resourceNamespace: file-ns}`,
    "le-off.yaml": `${HEAD}leaderElection: {enabled: false, resourceName: from-file}`,
    "ports.yaml": `${HEAD}server: {healthProbes: {port: 9444, bindAddress: 0.0.0.0}, metrics: {port: 9445}}`,
  };
  const read = (p: string) => {
    const f = files[p];
    if (f === undefined) throw new Error("ENOENT");
    return f;
  };
  const cases: {
    name: string;
    argv: string[];
    want: { qps: number; burst: number; concurrency?: object; logLevel: string };
  }[] = [
    { name: "defaults", argv: [], want: { qps: 100, burst: 150, logLevel: "info" } },
    {
      name: "the file",
      argv: ["--config", "scale.yaml"],
      want: { qps: 100, burst: 150, concurrency: { pcs: 20, pclq: 20, pcsg: 20 }, logLevel: "info" },
    },
    {
      name: "flags beat the file",
      argv: [
        "--config",
        "scale.yaml",
        "--qps",
        "50",
        "--burst",
        "60",
        "--log-level",
        "warn",
        "--concurrency",
        "4",
      ],
      want: { qps: 50, burst: 60, concurrency: { pcs: 4, pclq: 4, pcsg: 4, podgang: 4 }, logLevel: "warn" },
    },
    {
      name: "--concurrency alone sets all four",
      argv: ["--concurrency", "20"],
      want: {
        qps: 100,
        burst: 150,
        concurrency: { pcs: 20, pclq: 20, pcsg: 20, podgang: 20 },
        logLevel: "info",
      },
    },
  ];
  it("--log-format over the file's logFormat over json; anything else is a usage error", () => {
    expect(resolveCli(["--kubeconfig", "k"], read).logFormat).toBe("json");
    expect(resolveCli(["--kubeconfig", "k", "--log-format", "text"], read).logFormat).toBe("text");
    const textFile = (p: string) => (p === "text.yaml" ? `${HEAD}logFormat: text\n` : read(p));
    expect(resolveCli(["--kubeconfig", "k", "--config", "text.yaml"], textFile).logFormat).toBe("text");
    expect(
      resolveCli(["--kubeconfig", "k", "--config", "text.yaml", "--log-format", "json"], textFile).logFormat,
    ).toBe("json");
    expect(() => resolveCli(["--kubeconfig", "k", "--log-format", "yaml"], read)).toThrow(
      '--log-format: must be json or text, got "yaml"',
    );
  });
  it("--scheduler-qps and --scheduler-burst set the scheduler's own client; unset, startOperator's defaults apply", () => {
    const r = resolveCli(["--kubeconfig", "k", "--scheduler-qps", "20", "--scheduler-burst", "30"], read);
    expect([r.options.schedulerQps, r.options.schedulerBurst]).toEqual([20, 30]);
    const d = resolveCli(["--kubeconfig", "k"], read);
    expect("schedulerQps" in d.options || "schedulerBurst" in d.options).toBe(false);
  });
  it("leader election: off by default; --leader-elect, the file, and flags over the file", () => {
    expect(resolveCli(["--kubeconfig", "k"], read).options.leaderElection).toBeUndefined();
    expect(
      resolveCli(["--kubeconfig", "k", "--config", "le-off.yaml"], read).options.leaderElection,
    ).toBeUndefined();
    const prev = process.env.POD_NAMESPACE;
    process.env.POD_NAMESPACE = "pod-ns";
    try {
      expect(resolveCli(["--kubeconfig", "k", "--leader-elect"], read).options.leaderElection).toEqual({
        enabled: true,
        namespace: "pod-ns",
      });
    } finally {
      if (prev === undefined) delete process.env.POD_NAMESPACE;
      else process.env.POD_NAMESPACE = prev;
    }
    expect(resolveCli(["--kubeconfig", "k", "--config", "le.yaml"], read).options.leaderElection).toEqual({
      enabled: true,
      namespace: "file-ns",
      name: "from-file",
      leaseDurationMs: 4000,
      renewDeadlineMs: 3000,
      retryPeriodMs: 1000,
    });
    const flags = resolveCli(
      ["--kubeconfig", "k", "--config", "le-off.yaml", "--leader-elect", "--leader-elect-namespace", "ns1"],
      read,
    ).options.leaderElection;
    expect(flags).toEqual({ enabled: true, namespace: "ns1", name: "from-file" });
    expect(
      resolveCli(["--kubeconfig", "k", "--config", "le.yaml", "--leader-elect-id", "mine"], read).options
        .leaderElection?.name,
    ).toBe("mine");
  });
  it("probe and metrics servers: Grove's Go ports by default, the file's, flags over the file", () => {
    const d = resolveCli(["--kubeconfig", "k"], read).options;
    // Out of a cluster (--kubeconfig) the servers keep to loopback unless the file names an address.
    expect([d.health, d.metrics]).toEqual([
      { host: "127.0.0.1", port: 2751 },
      { host: "127.0.0.1", port: 2752 },
    ]);
    const f = resolveCli(["--kubeconfig", "k", "--config", "ports.yaml"], read).options;
    expect([f.health, f.metrics]).toEqual([
      { host: "0.0.0.0", port: 9444 },
      { host: "127.0.0.1", port: 9445 },
    ]);
    const flags = resolveCli(
      ["--kubeconfig", "k", "--config", "ports.yaml", "--health-port", "0", "--metrics-port", "8080"],
      read,
    ).options;
    expect([flags.health, flags.metrics]).toEqual([
      { host: "0.0.0.0", port: 0 },
      { host: "127.0.0.1", port: 8080 },
    ]);
  });
  it.each(cases)("$name", ({ argv, want }) => {
    const r = resolveCli(["--kubeconfig", "k", ...argv], read);
    expect(r.options.qps).toBe(want.qps);
    expect(r.options.burst).toBe(want.burst);
    expect(r.options.concurrency).toEqual(want.concurrency);
    expect(r.logLevel).toBe(want.logLevel);
  });

  const errors: { name: string; argv: string[]; message: RegExp; type: unknown }[] = [
    {
      name: "--kubeconfig empty",
      argv: ["--kubeconfig", ""],
      message: /^--kubeconfig: must be a path/,
      type: UsageError,
    },
    {
      name: "--webhook-port not a port",
      argv: ["--webhook-port", "http"],
      message: /^--webhook-port: must be a port number \(0 = any free port\), got "http"/,
      type: UsageError,
    },
    {
      name: "--webhook-host empty",
      argv: ["--webhook-host", ""],
      message: /^--webhook-host: must be a host name or IP address/,
      type: UsageError,
    },
    {
      name: "--concurrency 0",
      argv: ["--kubeconfig", "k", "--concurrency", "0"],
      message: /^--concurrency: must be an integer >= 1/,
      type: UsageError,
    },
    {
      name: "--concurrency not an integer",
      argv: ["--kubeconfig", "k", "--concurrency", "2.5"],
      message: /^--concurrency: must be an integer >= 1/,
      type: UsageError,
    },
    {
      name: "--scheduler-qps 0",
      argv: ["--kubeconfig", "k", "--scheduler-qps", "0"],
      message: /^--scheduler-qps: must be a positive number/,
      type: UsageError,
    },
    {
      name: "--leader-elect-namespace empty",
      argv: ["--kubeconfig", "k", "--leader-elect", "--leader-elect-namespace", ""],
      message: /^--leader-elect-namespace: must be a namespace name/,
      type: UsageError,
    },
    {
      name: "--leader-elect-id empty",
      argv: ["--kubeconfig", "k", "--leader-elect", "--leader-elect-id", ""],
      message: /^--leader-elect-id: must be a Lease name/,
      type: UsageError,
    },
    {
      name: "--health-port not a port",
      argv: ["--kubeconfig", "k", "--health-port", "1.5"],
      message: /^--health-port: must be a port number 0-65535 \(0 = any free port\), got "1.5"/,
      type: UsageError,
    },
    {
      name: "--metrics-port out of range",
      argv: ["--kubeconfig", "k", "--metrics-port", "65536"],
      message: /^--metrics-port: must be a port number 0-65535/,
      type: UsageError,
    },
    {
      name: "unreadable --config",
      argv: ["--kubeconfig", "k", "--config", "missing.yaml"],
      message: /^--config: cannot read missing.yaml/,
      type: UsageError,
    },
    {
      name: "invalid --config",
      argv: ["--kubeconfig", "k", "--config", "bad.yaml"],
      message: /^bad.yaml: logLevel: must be one of debug, info, error/,
      type: OperatorConfigError,
    },
  ];
  it.each(errors)("rejects: $name", ({ argv, message, type }) => {
    let err: unknown;
    try {
      resolveCli(argv, read);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(type);
    expect((err as Error).message).toMatch(message);
  });
});
