// The webhook serving certificate in Grove's two modes, against a real API server (Secrets): auto
// mode provisions, shares between replicas, renews what expires or names the wrong hosts and
// recreates a deleted Secret; manual mode reads a directory and reloads it.
import { X509Certificate } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type RunningApiServer, startApiServer } from "@grove-ts/apiserver";
import type { KubeObject } from "@grove-ts/runtime";
import { createCertificateAuthority, issueCertificate } from "@grove-ts/runtime/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  autoCertificates,
  type CertBundle,
  certificateProblem,
  manualCertificates,
  SecretType,
  serviceNames,
} from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "grove-certs-"));
let api: RunningApiServer;
beforeAll(async () => {
  api = await startApiServer({ kubeconfigPath: join(dir, "kubeconfig") });
});
afterAll(async () => {
  await api?.close();
  rmSync(dir, { recursive: true, force: true });
});

type Secret = KubeObject & { type?: string; data?: Record<string, string> };
const names = { dnsNames: serviceNames("grove-operator", "grove-system"), ipAddresses: ["127.0.0.1"] };
const secretData = (b: { certPem: string; keyPem: string; caPem: string }) => ({
  "tls.crt": Buffer.from(b.certPem).toString("base64"),
  "tls.key": Buffer.from(b.keyPem).toString("base64"),
  "ca.crt": Buffer.from(b.caPem).toString("base64"),
});
const until = (cond: () => boolean, ms = 10_000) =>
  new Promise<void>((resolve, reject) => {
    const t0 = Date.now();
    const tick = () =>
      cond() ? resolve() : Date.now() - t0 > ms ? reject(new Error("timed out")) : setTimeout(tick, 20);
    tick();
  });

describe("auto mode", () => {
  it("creates the Secret with a Grove-CA signed certificate for the Service names; a second replica adopts it", async () => {
    const a = autoCertificates({ client: api.client, namespace: "default", secretName: "c1", names });
    const b = autoCertificates({ client: api.client, namespace: "default", secretName: "c1", names });
    const [first, second] = await Promise.all([a.start(), b.start()]);
    a.stop();
    b.stop();
    expect(second.certPem).toBe(first.certPem);
    const secret = await api.client.get<Secret>(SecretType, "c1", "default");
    expect(secret?.type).toBe("kubernetes.io/tls");
    expect(Object.keys(secret?.data ?? {}).sort()).toEqual(["ca.crt", "ca.key", "tls.crt", "tls.key"]);
    const cert = new X509Certificate(first.certPem);
    expect(cert.subjectAltName).toContain("DNS:grove-operator.grove-system.svc");
    expect(cert.subjectAltName).toContain("DNS:grove-operator.grove-system.svc.cluster.local");
    expect(cert.subjectAltName).toContain("IP Address:127.0.0.1");
    expect(new X509Certificate(first.caPem).subject).toContain("CN=Grove-CA");
    expect(certificateProblem(first, names, new Date())).toBeUndefined();
  });

  it("replaces an expired certificate, keeping a CA that is still valid", async () => {
    const ca = createCertificateAuthority("Grove-CA");
    const expired = issueCertificate(ca, {
      commonName: "grove-operator",
      dnsNames: names.dnsNames,
      ipAddresses: names.ipAddresses,
      notAfter: new Date(Date.now() - 60_000),
    });
    await api.client.create(SecretType, {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: "c2", namespace: "default" },
      data: {
        ...secretData({ ...expired, caPem: ca.certPem }),
        "ca.key": Buffer.from(ca.keyPem).toString("base64"),
      },
    } as Secret);
    const src = autoCertificates({ client: api.client, namespace: "default", secretName: "c2", names });
    const got = await src.start();
    src.stop();
    expect(got.certPem).not.toBe(expired.certPem);
    expect(got.notAfter.getTime()).toBeGreaterThan(Date.now() + 300 * 86_400_000);
    expect(got.caPem).toBe(ca.certPem);
    expect(
      certificateProblem({ ...expired, caPem: ca.certPem, notAfter: new Date() }, names, new Date()),
    ).toMatch(/^expires /);
  });

  it("replaces a certificate for other names or an empty Secret (as the chart creates it)", async () => {
    const ca = createCertificateAuthority("Grove-CA");
    const other = issueCertificate(ca, { commonName: "x", dnsNames: ["elsewhere.example"] });
    expect(certificateProblem({ ...other, caPem: ca.certPem, notAfter: new Date() }, names, new Date())).toBe(
      "does not name grove-operator",
    );
    await api.client.create(SecretType, {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: "c3", namespace: "default" },
      data: secretData({ ...other, caPem: ca.certPem }),
    } as Secret);
    await api.client.create(SecretType, {
      apiVersion: "v1",
      kind: "Secret",
      type: "kubernetes.io/tls",
      metadata: { name: "c4", namespace: "default" },
      data: { "tls.crt": "", "tls.key": "" },
    } as Secret);
    for (const name of ["c3", "c4"]) {
      const src = autoCertificates({ client: api.client, namespace: "default", secretName: name, names });
      const got = await src.start();
      src.stop();
      expect(certificateProblem(got, names, new Date()), name).toBeUndefined();
    }
  });

  it("a deleted Secret is written again at the next check and the new certificate is announced", async () => {
    const src = autoCertificates({
      client: api.client,
      namespace: "default",
      secretName: "c5",
      names,
      checkIntervalMs: 100,
    });
    const first = await src.start();
    const seen: CertBundle[] = [];
    src.onChange((b) => seen.push(b));
    await api.client.delete(SecretType, "c5", "default");
    await until(() => seen.length > 0);
    src.stop();
    expect(seen[0]?.certPem).not.toBe(first.certPem);
    expect(src.current()?.certPem).toBe(seen[0]?.certPem);
    const secret = await api.client.get<Secret>(SecretType, "c5", "default");
    expect(Buffer.from(secret?.data?.["tls.crt"] ?? "", "base64").toString()).toBe(seen[0]?.certPem);
  });
});

describe("manual mode", () => {
  it("names the missing file, loads a complete directory and reloads when it changes", async () => {
    const certDir = mkdtempSync(join(dir, "manual-"));
    await expect(manualCertificates({ dir: certDir }).start()).rejects.toThrow(
      `server.webhooks.serverCertDir: ${join(certDir, "tls.crt")}: not found (certProvisionMode manual needs tls.crt, tls.key and ca.crt)`,
    );
    const ca = createCertificateAuthority("cert-manager-ca");
    const write = (c: { certPem: string; keyPem: string }) => {
      writeFileSync(join(certDir, "tls.crt"), c.certPem);
      writeFileSync(join(certDir, "tls.key"), c.keyPem);
      writeFileSync(join(certDir, "ca.crt"), ca.certPem);
    };
    const one = issueCertificate(ca, { commonName: "grove-operator", dnsNames: names.dnsNames });
    write(one);
    const src = manualCertificates({ dir: certDir, checkIntervalMs: 50 });
    expect((await src.start()).certPem).toBe(one.certPem);
    const seen: CertBundle[] = [];
    src.onChange((b) => seen.push(b));
    const two = issueCertificate(ca, { commonName: "grove-operator", dnsNames: names.dnsNames, days: 30 });
    write(two);
    await until(() => seen.length > 0);
    src.stop();
    expect(src.current()?.certPem).toBe(two.certPem);
  });
});
