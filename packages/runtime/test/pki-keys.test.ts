// pki with keys made ahead (generateKeyPairAsync, off the event loop): a CA and a leaf built on
// given keys carry exactly those keys, and the leaf verifies against the CA.
import { createPublicKey, X509Certificate } from "node:crypto";
import { describe, expect, it } from "vitest";
import { createCertificateAuthority, generateKeyPairAsync, issueCertificate } from "../src/pki.js";

describe("certificates on keys made ahead", () => {
  it("use the given keys, and the leaf is signed by the CA", async () => {
    const [caKeys, leafKeys] = await Promise.all([generateKeyPairAsync(), generateKeyPairAsync()]);
    expect(caKeys.keyPem).toContain("BEGIN PRIVATE KEY");
    expect(caKeys.publicKeyPem).toContain("BEGIN PUBLIC KEY");
    const ca = createCertificateAuthority("ahead-ca", 10, { keys: caKeys });
    const leaf = issueCertificate(ca, { commonName: "svc.ns.svc", dnsNames: ["svc.ns.svc"], keys: leafKeys });
    expect(ca.keyPem).toBe(caKeys.keyPem);
    expect(leaf.keyPem).toBe(leafKeys.keyPem);
    const caCert = new X509Certificate(ca.certPem);
    const leafCert = new X509Certificate(leaf.certPem);
    const pub = (pem: string) => createPublicKey(pem).export({ type: "spki", format: "pem" });
    expect(pub(caCert.publicKey.export({ type: "spki", format: "pem" }) as string)).toEqual(
      pub(caKeys.publicKeyPem),
    );
    expect(leafCert.verify(caCert.publicKey)).toBe(true);
    expect(leafCert.checkHost("svc.ns.svc")).toBe("svc.ns.svc");
  });
});
