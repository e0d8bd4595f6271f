// The real Kubernetes control plane on loopback, from the binaries `npm run k8s:build` makes:
// etcd, kube-apiserver (secure port, generated certificates, service-account signing keys, RBAC,
// the default admission plugins) and kube-controller-manager (garbage collector, namespace,
// service-account and token, HPA, pod GC and root-CA publisher controllers). What controller-
// runtime's envtest starts, plus the controller manager, so that garbage collection and service
// accounts behave as on a real cluster.
//
// Every process logs to a file of its own; a process that exits or does not become healthy within
// the start timeout stops everything started so far and fails with one line naming it and its log.
import { type ChildProcess, spawn } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:https";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { type Logger, noopLogger } from "@grove-ts/runtime";
import {
  type CertAndKey,
  createCertificateAuthority,
  generateKeyPair,
  issueCertificate,
} from "@grove-ts/runtime/pki";
import { aggregationFlags, ensureFrontProxyPki } from "./aggregation.js";
import { type HpaSettings, kcmHpaFlags } from "./hpa/settings.js";

/** The Kubernetes release tools/k8s/kubernetes/go.mod pins (a test keeps the two equal). */
export const KUBE_RELEASE = "v1.37.2";

export const KUBE_PROGRAMS = [
  "etcd",
  "kube-apiserver",
  "kube-controller-manager",
  "kube-scheduler",
  "kubectl",
  "helm",
] as const;

/**
 * The controllers kube-controller-manager runs for grove-sim: what Grove's objects rely on (owner
 * references, namespaces, service accounts and their tokens, HPAs), what cleans up after pods, and
 * the node lifecycle.
 */
export const KUBE_CONTROLLERS = [
  "garbage-collector-controller",
  "namespace-controller",
  "serviceaccount-controller",
  "serviceaccount-token-controller",
  "root-ca-certificate-publisher-controller",
  "horizontal-pod-autoscaler-controller",
  "pod-garbage-collector-controller",
  // Removes the not-ready taint the API server puts on every new Node once it reports Ready, and
  // marks nodes whose lease stops being renewed NotReady (then evicts their pods).
  "node-lifecycle-controller",
  "taint-eviction-controller",
  // Makes the ResourceClaims of pods' claims from templates (resourceClaimTemplateName), as
  // grove-sim's claim-from-template.ts does on our API server.
  "resourceclaim-controller",
];

export class ControlPlaneError extends Error {
  readonly code = "ControlPlaneFailed";
  constructor(message: string) {
    super(message);
    this.name = "ControlPlaneError";
  }
}

/** Where `npm run k8s:build` puts the binaries: $GROVE_K8S_BIN, else the cache folder of KUBE_RELEASE. */
export function kubeBinDir(): string {
  if (process.env.GROVE_K8S_BIN) return process.env.GROVE_K8S_BIN;
  const cache =
    process.env.GROVE_K8S_CACHE ?? join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "grove-ts");
  return join(cache, `k8s-${KUBE_RELEASE}`, "bin");
}

/** The programs missing from `dir` (empty when every one is there). */
export function missingKubeBinaries(dir = kubeBinDir()): string[] {
  return KUBE_PROGRAMS.filter((p) => !existsSync(join(dir, p)));
}

export interface ControlPlaneOptions {
  /** Keep etcd's data, the certificates and the logs here for a later start; default a temporary folder, removed on stop. */
  dataDir?: string;
  /** kube-apiserver's secure port; default a free one. */
  port?: number;
  /** Also write the admin kubeconfig here. */
  kubeconfigPath?: string;
  binDir?: string;
  /** Per process; default 60 s. */
  startTimeoutMs?: number;
  /** kube-controller-manager's --horizontal-pod-autoscaler-* settings (default kcm's own). */
  hpa?: HpaSettings;
  logger?: Logger;
}

export interface ControlPlane {
  /** https://127.0.0.1:<port> */
  url: string;
  /** An admin (system:masters) kubeconfig with embedded credentials. */
  kubeconfigPath: string;
  /** The server's gitVersion, as `kubectl version` shows it. */
  version: string;
  binDir: string;
  /** The folder holding pki/, etcd/, logs/. */
  dir: string;
  logs: { etcd: string; apiserver: string; controllerManager: string };
  /** The CA of the client certificate kube-apiserver presents to extension API servers (aggregation.ts). */
  frontProxyCaPem: string;
  stop(): Promise<void>;
}

/** A free loopback port (the kernel's choice), or `want` when it is free. */
async function freePort(want = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", (err: NodeJS.ErrnoException) =>
      reject(
        err.code === "EADDRINUSE"
          ? new ControlPlaneError(`port ${want} on 127.0.0.1 is in use: pick another (--port)`)
          : err,
      ),
    );
    srv.listen(want, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Tls {
  ca: string;
  cert?: string;
  key?: string;
}

/** One HTTPS GET; resolves with the status and body, or rejects on a connection error. */
function httpsGet(url: string, tls: Tls | "insecure"): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        timeout: 5_000,
        ...(tls === "insecure" ? { rejectUnauthorized: false } : tls),
      },
      (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => {
          body += c;
        });
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
      },
    );
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.on("error", reject);
    req.end();
  });
}

function kubeconfig(server: string, caPem: string, user: string, client: CertAndKey): string {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  return JSON.stringify(
    {
      apiVersion: "v1",
      kind: "Config",
      clusters: [{ name: "grove-sim", cluster: { server, "certificate-authority-data": b64(caPem) } }],
      users: [
        {
          name: user,
          user: { "client-certificate-data": b64(client.certPem), "client-key-data": b64(client.keyPem) },
        },
      ],
      contexts: [{ name: "grove-sim", context: { cluster: "grove-sim", user, namespace: "default" } }],
      "current-context": "grove-sim",
      preferences: {},
    },
    null,
    2,
  );
}

interface Pki {
  ca: CertAndKey;
  apiserver: CertAndKey;
  admin: CertAndKey;
  controllerManager: CertAndKey;
}

type PkiFile =
  | "caCrt"
  | "caKey"
  | "apiserverCrt"
  | "apiserverKey"
  | "adminCrt"
  | "adminKey"
  | "kcmCrt"
  | "kcmKey"
  | "saKey"
  | "saPub";

/** The certificates and keys in `dir`, made on first use and kept (a kept etcd needs the same keys). */
function ensurePki(dir: string): Pki & { files: Record<PkiFile, string> } {
  const f = (n: string) => join(dir, n);
  const paths: Record<PkiFile, string> = {
    caCrt: f("ca.crt"),
    caKey: f("ca.key"),
    apiserverCrt: f("apiserver.crt"),
    apiserverKey: f("apiserver.key"),
    adminCrt: f("admin.crt"),
    adminKey: f("admin.key"),
    kcmCrt: f("controller-manager.crt"),
    kcmKey: f("controller-manager.key"),
    saKey: f("sa.key"),
    saPub: f("sa.pub"),
  };
  if (!Object.values(paths).every((p) => existsSync(p))) {
    mkdirSync(dir, { recursive: true });
    const ca = createCertificateAuthority("grove-sim-kubernetes-ca");
    const apiserver = issueCertificate(ca, {
      commonName: "kube-apiserver",
      dnsNames: [
        "localhost",
        "kubernetes",
        "kubernetes.default",
        "kubernetes.default.svc",
        "kubernetes.default.svc.cluster.local",
      ],
      ipAddresses: ["127.0.0.1", "10.96.0.1"],
      usage: "server",
    });
    const admin = issueCertificate(ca, {
      commonName: "kubernetes-admin",
      organizations: ["system:masters"],
      usage: "client",
    });
    const kcm = issueCertificate(ca, { commonName: "system:kube-controller-manager", usage: "client" });
    const sa = generateKeyPair();
    const write = (p: string, s: string) => writeFileSync(p, s, { mode: 0o600 });
    write(paths.caCrt, ca.certPem);
    write(paths.caKey, ca.keyPem);
    write(paths.apiserverCrt, apiserver.certPem);
    write(paths.apiserverKey, apiserver.keyPem);
    write(paths.adminCrt, admin.certPem);
    write(paths.adminKey, admin.keyPem);
    write(paths.kcmCrt, kcm.certPem);
    write(paths.kcmKey, kcm.keyPem);
    write(paths.saKey, sa.keyPem);
    write(paths.saPub, sa.publicKeyPem);
  }
  const r = (p: string) => readFileSync(p, "utf8");
  const pair = (c: string, k: string): CertAndKey => ({ certPem: r(c), keyPem: r(k) });
  return {
    files: paths,
    ca: pair(paths.caCrt, paths.caKey),
    apiserver: pair(paths.apiserverCrt, paths.apiserverKey),
    admin: pair(paths.adminCrt, paths.adminKey),
    controllerManager: pair(paths.kcmCrt, paths.kcmKey),
  };
}

/** Children of this process that a crash of it must not leave behind. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): void {
  running.add(child);
  child.once("exit", () => running.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once("exit", () => {
      for (const c of running) c.kill("SIGKILL");
    });
  }
}

async function stopChild(child: ChildProcess, graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Starts etcd, kube-apiserver and kube-controller-manager; resolves once all three are healthy. */
export async function startControlPlane(options: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const log = (options.logger ?? noopLogger).with({ component: "control-plane" });
  const binDir = options.binDir ?? kubeBinDir();
  const missing = missingKubeBinaries(binDir).filter((p) => p !== "helm" && p !== "kube-scheduler");
  if (missing.length)
    throw new ControlPlaneError(
      `the Kubernetes binaries are not built (${missing.join(", ")} missing in ${binDir}): run npm run k8s:build`,
    );
  const timeout = options.startTimeoutMs ?? 60_000;
  const keep = options.dataDir !== undefined;
  const dir = options.dataDir ?? mkdtempSync(join(tmpdir(), "grove-kube-"));
  mkdirSync(join(dir, "logs"), { recursive: true });
  const logs = {
    etcd: join(dir, "logs", "etcd.log"),
    apiserver: join(dir, "logs", "kube-apiserver.log"),
    controllerManager: join(dir, "logs", "kube-controller-manager.log"),
  };
  const children: ChildProcess[] = [];
  /** Stops every process started so far, the last started first. */
  const stopChildren = async () => {
    for (const c of [...children].reverse()) await stopChild(c);
    children.length = 0;
  };
  const stop = async () => {
    await stopChildren();
    if (!keep) rmSync(dir, { recursive: true, force: true });
  };

  /** Spawns `program`, logging to `logFile`; `exited` resolves with how it exited (for the health waits). */
  const start = (program: string, args: string[], logFile: string) => {
    const fd = openSync(logFile, "a");
    const child = spawn(join(binDir, program), args, { stdio: ["ignore", fd, fd] });
    closeSync(fd);
    track(child);
    children.push(child);
    const exited = new Promise<string>((resolve) => {
      child.once("exit", (code, signal) =>
        resolve(signal ? `was killed by ${signal}` : `exited with code ${code}`),
      );
      child.once("error", (err) => resolve(`could not be started (${err.message})`));
    });
    return { proc: child, exited };
  };

  /** Polls `probe` until it says ok, the process exits, or the timeout passes. */
  const healthy = async (
    name: string,
    logFile: string,
    exited: Promise<string>,
    probe: () => Promise<boolean>,
  ) => {
    let exit: string | undefined;
    void exited.then((e) => {
      exit = e;
    });
    const deadline = Date.now() + timeout;
    while (Date.now() < deadline) {
      if (exit) throw new ControlPlaneError(`${name} ${exit} during start-up; read ${logFile}`);
      if (await probe().catch(() => false)) return;
      await sleep(250);
    }
    throw new ControlPlaneError(
      `${name} did not become healthy within ${Math.round(timeout / 1000)} s; read ${logFile}`,
    );
  };

  /**
   * Starts `program` on `count` free loopback ports (picked right before the start) and waits until
   * `probe` says it is healthy. A port is free when picked but may be taken before the program binds
   * it (parallel starts on one machine): a start that fails with "address already in use" is tried
   * again on new ports, twice at most. A port the caller fixed (`fixed`) is never replaced.
   */
  const launch = async (
    program: string,
    logFile: string,
    count: number,
    fixed: number | undefined,
    args: (ports: number[]) => string[],
    probe: (ports: number[]) => Promise<boolean>,
  ): Promise<number[]> => {
    for (let attempt = 0; ; attempt++) {
      const ports: number[] = [];
      for (let i = 0; i < count; i++) ports.push(await freePort(i === 0 ? (fixed ?? 0) : 0));
      const logStart = existsSync(logFile) ? readFileSync(logFile).length : 0;
      const child = start(program, args(ports), logFile);
      try {
        await healthy(program, logFile, child.exited, () => probe(ports));
        return ports;
      } catch (err) {
        const raced = readFileSync(logFile).subarray(logStart).toString().includes("address already in use");
        if (!raced || fixed !== undefined || attempt >= 2) throw err;
        await stopChild(child.proc);
        children.splice(children.indexOf(child.proc), 1);
        log.info("port taken before the start, trying others", { program, ports: ports.join(",") });
      }
    }
  };

  try {
    const pki = ensurePki(join(dir, "pki"));
    // Made while etcd starts (its keys off the event loop); kube-apiserver needs it.
    const frontProxyPki = ensureFrontProxyPki(join(dir, "pki"));
    frontProxyPki.catch(() => {}); // awaited below; an etcd failure must not leave it unhandled

    // etcd: one member on loopback. No fsync: the data of a simulated cluster is not worth a disk
    // flush per write (envtest does the same).
    const [etcdPort] = await launch(
      "etcd",
      logs.etcd,
      2,
      undefined,
      ([client, peer]) => [
        "--name=grove-sim",
        `--data-dir=${join(dir, "etcd")}`,
        `--listen-client-urls=http://127.0.0.1:${client}`,
        `--advertise-client-urls=http://127.0.0.1:${client}`,
        `--listen-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-advertise-peer-urls=http://127.0.0.1:${peer}`,
        `--initial-cluster=grove-sim=http://127.0.0.1:${peer}`,
        "--unsafe-no-fsync=true",
        "--log-level=warn",
      ],
      async ([client]) => {
        const res = await fetch(`http://127.0.0.1:${client}/health`);
        return res.ok && ((await res.json()) as { health?: string }).health === "true";
      },
    );
    const etcdUrl = `http://127.0.0.1:${etcdPort}`;
    log.info("etcd ready", { url: etcdUrl });

    const adminTls: Tls = { ca: pki.ca.certPem, cert: pki.admin.certPem, key: pki.admin.keyPem };
    const frontProxy = await frontProxyPki;
    const [apiPort] = await launch(
      "kube-apiserver",
      logs.apiserver,
      1,
      options.port,
      ([port]) => [
        `--etcd-servers=${etcdUrl}`,
        "--bind-address=127.0.0.1",
        "--advertise-address=127.0.0.1",
        // The endpoint reconciler refuses a loopback address for the kubernetes Service.
        "--endpoint-reconciler-type=none",
        `--secure-port=${port}`,
        `--cert-dir=${join(dir, "pki")}`,
        `--tls-cert-file=${pki.files.apiserverCrt}`,
        `--tls-private-key-file=${pki.files.apiserverKey}`,
        `--client-ca-file=${pki.files.caCrt}`,
        "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
        `--service-account-key-file=${pki.files.saPub}`,
        `--service-account-signing-key-file=${pki.files.saKey}`,
        "--service-cluster-ip-range=10.96.0.0/16",
        "--authorization-mode=RBAC",
        "--allow-privileged=true",
        // grove-sim's nodes give their kubelet endpoint (kubelet-server.ts) as InternalDNS localhost.
        "--kubelet-preferred-address-types=InternalDNS,InternalIP,Hostname,ExternalDNS,ExternalIP",
        "--profiling=false",
        // API aggregation, for grove-sim's metrics APIs (aggregation.ts).
        ...aggregationFlags(frontProxy),
      ],
      async ([port]) => (await httpsGet(`https://127.0.0.1:${port}/readyz`, adminTls)).status === 200,
    );
    const url = `https://127.0.0.1:${apiPort}`;
    log.info("kube-apiserver ready", { url });
    const kubeconfigPath = join(dir, "admin.kubeconfig");
    const adminConfig = kubeconfig(url, pki.ca.certPem, "kubernetes-admin", pki.admin);
    writeFileSync(kubeconfigPath, adminConfig, { mode: 0o600 });
    if (options.kubeconfigPath) {
      mkdirSync(dirname(options.kubeconfigPath), { recursive: true });
      writeFileSync(options.kubeconfigPath, adminConfig, { mode: 0o600 });
    }
    const kcmConfig = join(dir, "controller-manager.kubeconfig");
    writeFileSync(
      kcmConfig,
      kubeconfig(url, pki.ca.certPem, "system:kube-controller-manager", pki.controllerManager),
      { mode: 0o600 },
    );

    log.info("starting kube-controller-manager", { controllers: KUBE_CONTROLLERS.join(",") });
    await launch(
      "kube-controller-manager",
      logs.controllerManager,
      1,
      undefined,
      ([port]) => [
        `--kubeconfig=${kcmConfig}`,
        `--authentication-kubeconfig=${kcmConfig}`,
        `--authorization-kubeconfig=${kcmConfig}`,
        "--bind-address=127.0.0.1",
        `--secure-port=${port}`,
        `--cert-dir=${join(dir, "pki", "controller-manager")}`,
        `--service-account-private-key-file=${pki.files.saKey}`,
        `--root-ca-file=${pki.files.caCrt}`,
        "--use-service-account-credentials=true",
        `--controllers=${KUBE_CONTROLLERS.join(",")}`,
        ...kcmHpaFlags(options.hpa),
        "--leader-elect=false",
        "--profiling=false",
      ],
      // Healthy, and the service-account controller at work: pods are admitted only once their
      // namespace's default ServiceAccount exists (the ServiceAccount admission plugin).
      async ([port]) =>
        (await httpsGet(`https://127.0.0.1:${port}/healthz`, "insecure")).status === 200 &&
        (await httpsGet(`${url}/api/v1/namespaces/default/serviceaccounts/default`, adminTls)).status === 200,
    );
    const version = (JSON.parse((await httpsGet(`${url}/version`, adminTls)).body) as { gitVersion: string })
      .gitVersion;
    log.info("control plane ready", { url, version });
    return { url, kubeconfigPath, version, binDir, dir, logs, frontProxyCaPem: frontProxy.caPem, stop };
  } catch (err) {
    await stopChildren();
    // A temporary folder keeps only the logs the error message points to.
    if (!keep) {
      rmSync(join(dir, "etcd"), { recursive: true, force: true });
      rmSync(join(dir, "pki"), { recursive: true, force: true });
    }
    throw err;
  }
}
