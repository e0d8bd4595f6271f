// Grove's admission webhooks (src/webhook.ts) as kube-apiserver calls them: AdmissionReview v1 in,
// a response with the defaulting JSON patch, or the 422 Status our in-process admission sends.
import { request } from "node:https";
import { defaultPodCliqueSet } from "@grove-ts/api";
import { createCertificateAuthority, issueCertificate } from "@grove-ts/kube";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reviewAdmission, startWebhookServer, WEBHOOK_PATHS, type WebhookServer } from "../src/index.js";

const pcs = (cliques: unknown[]) => ({
  apiVersion: "grove.io/v1alpha1",
  kind: "PodCliqueSet",
  metadata: { name: "demo", namespace: "default" },
  // cliqueStartupType is the CRD schema's default, applied by the API server before the webhooks.
  spec: { replicas: 1, template: { cliqueStartupType: "CliqueStartupTypeAnyOrder", cliques } },
});
const clique = (name: string, replicas = 1) => ({
  name,
  spec: { roleName: name, replicas, podSpec: { containers: [{ name: "c", image: "nginx" }] } },
});
/** What the validating webhook sees: kube-apiserver runs the defaulting webhook and the CRD's defaults first. */
const defaulted = (o: ReturnType<typeof pcs>) => defaultPodCliqueSet(structuredClone(o) as never);
const review = (object: unknown, operation = "CREATE") => ({
  apiVersion: "admission.k8s.io/v1",
  kind: "AdmissionReview",
  request: { uid: "u-1", name: "demo", namespace: "default", operation, object },
});
type Response = {
  uid: string;
  allowed: boolean;
  patchType?: string;
  patch?: string;
  warnings?: string[];
  status?: { code: number; reason: string; message: string };
};
const responseOf = (out: unknown) => (out as { response: Response }).response;

describe("reviewAdmission", () => {
  it("defaulting answers a JSON patch of the changed top-level fields", () => {
    const r = responseOf(reviewAdmission(WEBHOOK_PATHS.defaultPodCliqueSet, review(pcs([clique("w")]))));
    expect(r).toMatchObject({ uid: "u-1", allowed: true, patchType: "JSONPatch" });
    const ops = JSON.parse(Buffer.from(r.patch ?? "", "base64").toString()) as {
      op: string;
      path: string;
      value: { template: { terminationDelay: string; cliques: { spec: { minAvailable: number } }[] } };
    }[];
    const spec = ops.find((o) => o.path === "/spec");
    expect(spec?.op).toBe("replace");
    expect(spec?.value.template.terminationDelay).toBe("4h");
    expect(spec?.value.template.cliques[0]?.spec.minAvailable).toBe(1);
  });

  it("validation denies with the 422 Invalid Status naming the field and the rule", () => {
    const r = responseOf(
      reviewAdmission(WEBHOOK_PATHS.validatePodCliqueSet, review(defaulted(pcs([clique("w"), clique("w")])))),
    );
    expect(r.allowed).toBe(false);
    expect(r.status).toMatchObject({ code: 422, reason: "Invalid" });
    expect(r.status?.message).toContain(
      'PodCliqueSet.grove.io "demo" is invalid: [spec.template.cliques[1].name: Duplicate value: "w"',
    );
    expect(r.status?.message).toContain("roleNames must be unique");
  });

  it("allows a valid object and deletes; a review without a request is a 400; other paths are not ours", () => {
    const ok = responseOf(
      reviewAdmission(WEBHOOK_PATHS.validatePodCliqueSet, review(defaulted(pcs([clique("w")])))),
    );
    expect(ok, ok.status?.message).toMatchObject({ uid: "u-1", allowed: true });
    expect(
      responseOf(reviewAdmission(WEBHOOK_PATHS.validatePodCliqueSet, review(null, "DELETE"))).allowed,
    ).toBe(true);
    expect(() => reviewAdmission(WEBHOOK_PATHS.validatePodCliqueSet, { kind: "AdmissionReview" })).toThrow(
      "AdmissionReview has no request with a uid",
    );
    expect(reviewAdmission("/webhooks/other", review(pcs([])))).toBeUndefined();
  });
});

describe("startWebhookServer", () => {
  const ca = createCertificateAuthority("test-ca");
  let server: WebhookServer;
  beforeAll(async () => {
    server = await startWebhookServer(
      issueCertificate(ca, { commonName: "hooks", ipAddresses: ["127.0.0.1"] }),
    );
  });
  afterAll(() => server.close());

  const post = (path: string, body: string) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        `${server.url}${path}`,
        { method: "POST", ca: ca.certPem, headers: { "Content-Type": "application/json" } },
        (res) => {
          let text = "";
          res.on("data", (c) => {
            text += c;
          });
          res.on("end", () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      req.on("error", reject);
      req.end(body);
    });

  it("answers over HTTPS with a certificate the caller's CA trusts", async () => {
    const r = await post(WEBHOOK_PATHS.defaultPodCliqueSet, JSON.stringify(review(pcs([clique("w")]))));
    expect(r.status).toBe(200);
    expect(responseOf(r.json).allowed).toBe(true);
  });

  it("a malformed body is a 400 Status; an unknown path a 404", async () => {
    const bad = await post(WEBHOOK_PATHS.validatePodCliqueSet, "{not json");
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });
    expect((await post("/nowhere", "{}")).status).toBe(404);
  });
});
