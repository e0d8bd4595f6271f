// A small certificate authority for clusters we start ourselves (grove-sim's real control plane,
// grove-apiserver's HTTPS) and for serving certificates (grove-operator's webhooks): keys come from
// Node's crypto (fast, native), certificates are built and signed with node-forge. Everything is
// PEM. Its own entry point (`@grove-ts/runtime/pki`), so controllers that never make a certificate
// do not load node-forge; here, below both the API server and the kube client, as both use it.
import { generateKeyPair as generateKeyPairCb, generateKeyPairSync, randomBytes } from "node:crypto";
import forge from "node-forge";

export interface KeyPair {
  /** PKCS#8 private key. */
  keyPem: string;
  /** SPKI public key. */
  publicKeyPem: string;
}

export interface CertAndKey {
  certPem: string;
  keyPem: string;
}

/** A fresh RSA key pair (2048 bits, what kubeadm uses by default). */
export function generateKeyPair(): KeyPair {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
    publicKeyEncoding: { type: "spki", format: "pem" },
  });
  return { keyPem: privateKey, publicKeyPem: publicKey };
}

/**
 * generateKeyPair off the event loop (libuv's thread pool): a start-up that needs certificates can
 * make their keys while it waits for something else, then pass them as `keys`.
 */
export function generateKeyPairAsync(): Promise<KeyPair> {
  return new Promise((resolve, reject) =>
    generateKeyPairCb(
      "rsa",
      {
        modulusLength: 2048,
        privateKeyEncoding: { type: "pkcs8", format: "pem" },
        publicKeyEncoding: { type: "spki", format: "pem" },
      },
      (err, publicKey, privateKey) =>
        err ? reject(err) : resolve({ keyPem: privateKey, publicKeyPem: publicKey }),
    ),
  );
}

export interface CertRequest {
  /** The certificate's key pair; default a fresh one (generateKeyPair). */
  keys?: KeyPair;
  commonName: string;
  /** Subject organizations: Kubernetes reads them as the client's groups. */
  organizations?: string[];
  dnsNames?: string[];
  ipAddresses?: string[];
  /** serverAuth, clientAuth or both. Default server. */
  usage?: "server" | "client" | "both";
  /** Validity in days from now (an hour of clock skew is allowed before it). Default 365. */
  days?: number;
  /** An exact end of validity instead of `days` (tests make certificates that expire soon or have expired). */
  notAfter?: Date;
}

function subject(commonName: string, organizations: readonly string[] = []): forge.pki.CertificateField[] {
  return [
    ...organizations.map((o) => ({ shortName: "O", value: o })),
    { shortName: "CN", value: commonName },
  ];
}

function baseCert(publicKeyPem: string, days: number, notAfter?: Date): forge.pki.Certificate {
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.publicKeyFromPem(publicKeyPem);
  // A positive serial: the high bit of the first byte cleared.
  const serial = randomBytes(16);
  serial[0] = (serial[0] ?? 0) & 0x7f;
  cert.serialNumber = serial.toString("hex");
  const now = Date.now();
  cert.validity.notAfter = notAfter ?? new Date(now + days * 86_400_000);
  cert.validity.notBefore = new Date(Math.min(now, cert.validity.notAfter.getTime()) - 3_600_000);
  return cert;
}

/** A self-signed certificate authority. */
export function createCertificateAuthority(
  commonName: string,
  days = 3650,
  options: { organizations?: string[]; notAfter?: Date; keys?: KeyPair } = {},
): CertAndKey {
  const keys = options.keys ?? generateKeyPair();
  const cert = baseCert(keys.publicKeyPem, days, options.notAfter);
  cert.setSubject(subject(commonName, options.organizations));
  cert.setIssuer(subject(commonName, options.organizations));
  cert.setExtensions([
    { name: "basicConstraints", cA: true, critical: true },
    { name: "keyUsage", keyCertSign: true, digitalSignature: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(keys.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** A leaf certificate for `req`, signed by `ca`, with a key of its own. */
export function issueCertificate(ca: CertAndKey, req: CertRequest): CertAndKey {
  const keys = req.keys ?? generateKeyPair();
  const caCert = forge.pki.certificateFromPem(ca.certPem);
  const cert = baseCert(keys.publicKeyPem, req.days ?? 365, req.notAfter);
  cert.setSubject(subject(req.commonName, req.organizations));
  cert.setIssuer(caCert.subject.attributes);
  const usage = req.usage ?? "server";
  const altNames = [
    ...(req.dnsNames ?? []).map((value) => ({ type: 2, value })),
    ...(req.ipAddresses ?? []).map((ip) => ({ type: 7, ip })),
  ];
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    {
      name: "extKeyUsage",
      serverAuth: usage !== "client",
      clientAuth: usage !== "server",
    },
    ...(altNames.length ? [{ name: "subjectAltName", altNames }] : []),
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(forge.pki.privateKeyFromPem(ca.keyPem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(cert), keyPem: keys.keyPem };
}

/** When a PEM certificate stops being valid. */
export function certificateNotAfter(certPem: string): Date {
  return forge.pki.certificateFromPem(certPem).validity.notAfter;
}
