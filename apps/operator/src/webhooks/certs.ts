// The webhook server's certificate (grove-behaviour.md §8), in Grove's two modes:
// - auto: a self-signed CA ("Grove-CA", org "Grove") and a serving certificate for the operator's
//   Service names, kept in a kubernetes.io/tls Secret (tls.crt, tls.key, ca.crt, plus ca.key so a
//   renewal keeps the CA and every replica's caBundle stays valid). Every replica reads the Secret;
//   the first to find it missing, empty, expiring or for other names writes a new one with an
//   optimistic lock, the others adopt what won. Checked again every `checkIntervalMs`.
// - manual: tls.crt, tls.key and ca.crt from a directory (a Secret mounted by cert-manager), re-read
//   when they change.
import { createPrivateKey, X509Certificate } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { LabelComponent, LabelName } from "@grove-ts/api";
import {
  type Client,
  isAlreadyExists,
  isConflict,
  isNotFound,
  type KubeObject,
  type Logger,
  noopLogger,
  type ResourceType,
} from "@grove-ts/runtime";
import { createCertificateAuthority, issueCertificate } from "@grove-ts/runtime/pki";

export const SecretType: ResourceType = {
  apiVersion: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
};

export interface CertBundle {
  caPem: string;
  certPem: string;
  keyPem: string;
  notAfter: Date;
}

export interface CertNames {
  dnsNames: string[];
  ipAddresses: string[];
}

/** Grove's serving-certificate names for Service `service` in `namespace`. */
export function serviceNames(service: string, namespace: string): string[] {
  return [
    service,
    `${service}.${namespace}`,
    `${service}.${namespace}.svc`,
    `${service}.${namespace}.svc.cluster.local`,
  ];
}

/** Why `bundle` cannot serve `names` until at least `until` (undefined: it can). */
export function certificateProblem(bundle: CertBundle, names: CertNames, until: Date): string | undefined {
  let cert: X509Certificate;
  let ca: X509Certificate;
  try {
    cert = new X509Certificate(bundle.certPem);
    ca = new X509Certificate(bundle.caPem);
  } catch (err) {
    return `not a PEM certificate: ${(err as Error).message}`;
  }
  if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) return "not signed by its ca.crt";
  try {
    if (!cert.checkPrivateKey(createPrivateKey(bundle.keyPem))) return "tls.key does not match tls.crt";
  } catch (err) {
    return `tls.key: ${(err as Error).message}`;
  }
  if (new Date(cert.validTo) <= until) return `expires ${new Date(cert.validTo).toISOString()}`;
  if (new Date(ca.validTo) <= until) return `its CA expires ${new Date(ca.validTo).toISOString()}`;
  const san = cert.subjectAltName ?? "";
  for (const n of names.dnsNames) if (!san.split(", ").includes(`DNS:${n}`)) return `does not name ${n}`;
  for (const ip of names.ipAddresses)
    if (!san.split(", ").includes(`IP Address:${ip}`)) return `does not name ${ip}`;
  return undefined;
}

export interface CertSource {
  /** The bundle being served (undefined until the first load). */
  current(): CertBundle | undefined;
  /** Loads (and in auto mode provisions) the certificate; then keeps checking it. */
  start(): Promise<CertBundle>;
  /** Called with every new bundle after the first. */
  onChange(fn: (bundle: CertBundle) => void): void;
  stop(): void;
}

export interface AutoCertOptions {
  client: Client;
  namespace: string;
  secretName: string;
  names: CertNames;
  /** Serving certificate lifetime. Default 365 days; the CA's is ten years. */
  certValidityMs?: number;
  caValidityMs?: number;
  /** Renew when less than this remains. Default 30 days. */
  renewBeforeMs?: number;
  /** How often the Secret is read again. Default 60 s. */
  checkIntervalMs?: number;
  logger?: Logger;
}

type Secret = KubeObject & { type?: string; data?: Record<string, string> };

const b64 = (s: string) => Buffer.from(s).toString("base64");
const unb64 = (s: string | undefined) => (s ? Buffer.from(s, "base64").toString("utf8") : "");

function bundleOf(secret: Secret | undefined): (CertBundle & { caKeyPem: string }) | undefined {
  const d = secret?.data ?? {};
  const certPem = unb64(d["tls.crt"]);
  const keyPem = unb64(d["tls.key"]);
  const caPem = unb64(d["ca.crt"]);
  if (!certPem || !keyPem || !caPem) return undefined;
  let notAfter: Date;
  try {
    notAfter = new Date(new X509Certificate(certPem).validTo);
  } catch {
    return undefined;
  }
  return { certPem, keyPem, caPem, caKeyPem: unb64(d["ca.key"]), notAfter };
}

export function autoCertificates(options: AutoCertOptions): CertSource {
  const log = (options.logger ?? noopLogger).with({ component: "webhook-certs" });
  const { client, namespace, secretName } = options;
  const renewBefore = options.renewBeforeMs ?? 30 * 86_400_000;

  const generate = (previous: ReturnType<typeof bundleOf>) => {
    const until = new Date(Date.now() + renewBefore);
    // Keep a CA that is still good for a while, so caBundles already injected keep working.
    let ca = previous?.caKeyPem ? { certPem: previous.caPem, keyPem: previous.caKeyPem } : undefined;
    if (ca) {
      try {
        if (new Date(new X509Certificate(ca.certPem).validTo) <= until) ca = undefined;
      } catch {
        ca = undefined;
      }
    }
    ca ??= createCertificateAuthority("Grove-CA", 3650, {
      organizations: ["Grove"],
      ...(options.caValidityMs ? { notAfter: new Date(Date.now() + options.caValidityMs) } : {}),
    });
    const serving = issueCertificate(ca, {
      commonName: options.names.dnsNames[0] ?? "grove-operator",
      organizations: ["Grove"],
      dnsNames: options.names.dnsNames,
      ipAddresses: options.names.ipAddresses,
      ...(options.certValidityMs ? { notAfter: new Date(Date.now() + options.certValidityMs) } : {}),
    });
    return {
      "tls.crt": b64(serving.certPem),
      "tls.key": b64(serving.keyPem),
      "ca.crt": b64(ca.certPem),
      "ca.key": b64(ca.keyPem),
    };
  };

  /** Reads the Secret; writes a new certificate where it cannot serve; returns what is to be served. */
  const reconcile = async (): Promise<CertBundle> => {
    for (let attempt = 0; ; attempt++) {
      const secret = await client.get<Secret>(SecretType, secretName, namespace);
      const found = bundleOf(secret);
      const problem = found
        ? certificateProblem(found, options.names, new Date(Date.now() + renewBefore))
        : secret
          ? "the Secret holds no certificate"
          : "the Secret does not exist";
      if (!problem && found) return found;
      log.info("writing a new webhook serving certificate", {
        secret: `${namespace}/${secretName}`,
        reason: problem,
      });
      const data = generate(found);
      try {
        if (!secret)
          await client.create(SecretType, {
            apiVersion: "v1",
            kind: "Secret",
            type: "kubernetes.io/tls",
            metadata: {
              name: secretName,
              namespace,
              // Not `app.kubernetes.io/managed-by: grove-operator`: that label marks the objects the
              // operator makes for PodCliqueSets (the authorizer guards them, e2e cleanups wait for them).
              labels: {
                [LabelName]: "grove-operator",
                [LabelComponent]: "webhook-cert",
              },
            },
            data,
          } as Secret);
        else
          await client.update(SecretType, {
            ...secret,
            data: { ...(secret.data ?? {}), ...data },
          } as Secret);
      } catch (err) {
        // Another replica wrote first: read again and adopt its certificate.
        if ((isConflict(err) || isAlreadyExists(err) || isNotFound(err)) && attempt < 5) continue;
        throw err;
      }
    }
  };

  return pollingSource({
    load: reconcile,
    recheck: async (current) => {
      const next = await reconcile();
      return next.certPem !== current.certPem || next.keyPem !== current.keyPem ? next : undefined;
    },
    intervalMs: options.checkIntervalMs ?? 60_000,
    log,
    where: { secret: `${namespace}/${secretName}` },
  });
}

export interface ManualCertOptions {
  /** Holds tls.crt, tls.key and ca.crt (Grove's serverCertDir). */
  dir: string;
  checkIntervalMs?: number;
  logger?: Logger;
}

/** Certificates provided from outside (cert-manager): read from `dir`, re-read when they change. */
export function manualCertificates(options: ManualCertOptions): CertSource {
  const log = (options.logger ?? noopLogger).with({ component: "webhook-certs" });
  let stamp = "";
  const files = ["tls.crt", "tls.key", "ca.crt"];

  const stampOf = () =>
    files
      .map((f) => {
        try {
          const s = statSync(join(options.dir, f));
          return `${s.mtimeMs}:${s.size}`;
        } catch {
          return "-";
        }
      })
      .join("|");

  const load = (): CertBundle => {
    const read = (f: string) => {
      try {
        return readFileSync(join(options.dir, f), "utf8");
      } catch (err) {
        throw new Error(
          `server.webhooks.serverCertDir: ${join(options.dir, f)}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "not found (certProvisionMode manual needs tls.crt, tls.key and ca.crt)" : (err as Error).message}`,
        );
      }
    };
    const [certPem, keyPem, caPem] = files.map(read) as [string, string, string];
    let notAfter: Date;
    try {
      notAfter = new Date(new X509Certificate(certPem).validTo);
      createPrivateKey(keyPem);
    } catch (err) {
      throw new Error(`server.webhooks.serverCertDir: ${options.dir}: ${(err as Error).message}`);
    }
    return { certPem, keyPem, caPem, notAfter };
  };

  return pollingSource({
    load: async () => {
      stamp = stampOf();
      return load();
    },
    // Re-read only when a file changed; a half-written set fails to load and is tried again.
    recheck: async () => {
      const now = stampOf();
      if (now === stamp) return undefined;
      const next = load();
      stamp = now;
      return next;
    },
    intervalMs: options.checkIntervalMs ?? 10_000,
    log,
    where: { dir: options.dir },
  });
}

/**
 * A CertSource that loads once, then every `intervalMs` asks `recheck` for a new bundle (undefined:
 * unchanged) and tells the listeners. A failed check is logged; the previous bundle stays served.
 */
function pollingSource(p: {
  load: () => Promise<CertBundle>;
  recheck: (current: CertBundle) => Promise<CertBundle | undefined>;
  intervalMs: number;
  log: Logger;
  where: Record<string, string>;
}): CertSource {
  let bundle: CertBundle | undefined;
  const listeners: ((b: CertBundle) => void)[] = [];
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  const loaded = (b: CertBundle, msg: string) =>
    p.log.info(msg, { ...p.where, notAfter: b.notAfter.toISOString() });
  const check = async () => {
    if (!bundle) return;
    try {
      const next = await p.recheck(bundle);
      if (!next || stopped) return;
      bundle = next;
      loaded(next, "webhook serving certificate reloaded");
      for (const l of listeners) l(next);
    } catch (err) {
      p.log.error("webhook certificate check failed (still serving the previous one)", {
        ...p.where,
        error: err,
      });
    }
  };
  const schedule = () => {
    if (stopped) return;
    timer = setTimeout(() => {
      void check().finally(schedule);
    }, p.intervalMs);
    timer.unref();
  };
  return {
    current: () => bundle,
    async start() {
      bundle = await p.load();
      loaded(bundle, "webhook serving certificate loaded");
      schedule();
      return bundle;
    },
    onChange: (fn) => listeners.push(fn),
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}
