// grove-apiserver's TLS material: a certificate authority of its own and a serving certificate for
// 127.0.0.1 and localhost signed by it, so a kubeconfig can carry `certificate-authority-data` and
// clients verify the server instead of skipping verification. Made at start, or kept in
// `<data-dir>/pki` (0700, files 0600) so kubeconfigs written earlier keep trusting a restarted server.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import {
  type CertAndKey,
  certificateNotAfter,
  createCertificateAuthority,
  issueCertificate,
} from "@grove-ts/runtime/pki";

export interface ServingTls {
  /** The CA's certificate (PEM): what clients trust. */
  caPem: string;
  /** The serving certificate and its key (PEM). */
  certPem: string;
  keyPem: string;
}

/** The names the serving certificate is valid for: the server listens on 127.0.0.1 only. */
const servingNames = { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] };

/** Certificates within this long of their end are replaced at start. */
const renewBeforeMs = 7 * 86_400_000;

function usable(certPem: string): boolean {
  try {
    return certificateNotAfter(certPem).getTime() - Date.now() > renewBeforeMs;
  } catch {
    return false;
  }
}

function issueServing(ca: CertAndKey): CertAndKey {
  return issueCertificate(ca, { commonName: "grove-apiserver", usage: "server", ...servingNames });
}

/**
 * The CA and serving certificate. With `dir`, reuses what is there while it is valid (a serving
 * certificate near its end is reissued by the same CA; a CA near its end is replaced with both).
 */
export function servingTls(dir?: string): ServingTls {
  if (dir === undefined) {
    const ca = createCertificateAuthority("grove-apiserver-ca");
    const serving = issueServing(ca);
    return { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem };
  }
  const files = {
    caCrt: join(dir, "ca.crt"),
    caKey: join(dir, "ca.key"),
    crt: join(dir, "apiserver.crt"),
    key: join(dir, "apiserver.key"),
  };
  const read = (p: string) => (existsSync(p) ? readFileSync(p, "utf8") : undefined);
  const write = (p: string, text: string) => writeFileSync(p, text, { mode: 0o600 });
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  let ca: CertAndKey | undefined;
  const caCert = read(files.caCrt);
  const caKey = read(files.caKey);
  if (caCert && caKey && usable(caCert)) ca = { certPem: caCert, keyPem: caKey };
  let serving: CertAndKey | undefined;
  const crt = read(files.crt);
  const key = read(files.key);
  if (ca && crt && key && usable(crt)) serving = { certPem: crt, keyPem: key };
  if (!ca) {
    ca = createCertificateAuthority("grove-apiserver-ca");
    write(files.caCrt, ca.certPem);
    write(files.caKey, ca.keyPem);
  }
  if (!serving) {
    serving = issueServing(ca);
    write(files.crt, serving.certPem);
    write(files.key, serving.keyPem);
  }
  return { caPem: ca.certPem, certPem: serving.certPem, keyPem: serving.keyPem };
}
