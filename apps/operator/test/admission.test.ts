// Grove's admission webhooks (src/webhooks/) as kube-apiserver calls them: AdmissionReview v1 in,
// a response with the defaulting JSON patch, the 422 Status our in-process admission sends, or the
// authorizer's decision; the HTTPS server's answers to bad input.
import { request } from "node:https";
import { defaultPodCliqueSet } from "@grove-ts/api";
import { createCertificateAuthority, issueCertificate } from "@grove-ts/runtime/pki";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type AuthorizerContext,
  reviewAdmission,
  startWebhookServer,
  WEBHOOK_PATHS,
  type WebhookServer,
} from "../src/index.js";

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
  it("defaulting answers a JSON patch of the changed top-level fields", async () => {
    const r = responseOf(
      await reviewAdmission(WEBHOOK_PATHS.defaultPodCliqueSet, review(pcs([clique("w")]))),
    );
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

  it("validation denies with the 422 Invalid Status naming the field and the rule", async () => {
    const r = responseOf(
      await reviewAdmission(
        WEBHOOK_PATHS.validatePodCliqueSet,
        review(defaulted(pcs([clique("w"), clique("w")]))),
      ),
    );
    expect(r.allowed).toBe(false);
    expect(r.status).toMatchObject({ code: 422, reason: "Invalid" });
    expect(r.status?.message).toContain(
      'PodCliqueSet.grove.io "demo" is invalid: [spec.template.cliques[1].name: Duplicate value: "w"',
    );
    expect(r.status?.message).toContain("roleNames must be unique");
  });

  it("allows a valid object and deletes; other paths are not ours", async () => {
    const ok = responseOf(
      await reviewAdmission(WEBHOOK_PATHS.validatePodCliqueSet, review(defaulted(pcs([clique("w")])))),
    );
    expect(ok, ok.status?.message).toMatchObject({ uid: "u-1", allowed: true });
    expect(
      responseOf(await reviewAdmission(WEBHOOK_PATHS.validatePodCliqueSet, review(null, "DELETE"))).allowed,
    ).toBe(true);
    expect(await reviewAdmission("/webhooks/other", review(pcs([])))).toBeUndefined();
  });

  it("a body that is not an AdmissionReview v1 with a request and a uid is a 400 naming what is wrong", async () => {
    const bad = async (body: unknown) =>
      reviewAdmission(WEBHOOK_PATHS.validatePodCliqueSet, body).then(
        () => "accepted",
        (err: { status?: { code: number; message: string } }) => `${err.status?.code} ${err.status?.message}`,
      );
    expect(await bad({ kind: "AdmissionReview", apiVersion: "admission.k8s.io/v1" })).toBe(
      "400 AdmissionReview has no request with a uid",
    );
    expect(await bad([1, 2])).toBe("400 the body is not an AdmissionReview (kind AdmissionReview)");
    expect(await bad({ kind: "Pod" })).toBe("400 the body is not an AdmissionReview (kind AdmissionReview)");
    expect(await bad({ ...review(pcs([])), apiVersion: "admission.k8s.io/v1beta1" })).toBe(
      '400 AdmissionReview apiVersion "admission.k8s.io/v1beta1" is not served (admission.k8s.io/v1)',
    );
    expect(await bad({ ...review(pcs([])), request: { uid: 7 } })).toBe(
      "400 AdmissionReview has no request with a uid",
    );
  });
});

describe("authorizer webhook (managed resource protection)", () => {
  const OPERATOR = "system:serviceaccount:grove-system:grove-operator";
  const pcsAnnotations: Record<string, Record<string, string>> = {
    "default/protected": {},
    "default/open": { "grove.io/disable-managed-resource-protection": "true" },
  };
  const ctx = {
    authorizer: {
      operatorUserName: OPERATOR,
      exemptUserNames: ["system:serviceaccount:kube-system:generic-garbage-collector"],
      podCliqueSetAnnotations: async (ns: string, name: string) => pcsAnnotations[`${ns}/${name}`],
    } satisfies AuthorizerContext,
  };
  const managed = (
    kind: string,
    group: string,
    pcsName: string | undefined,
    operation: string,
    user: string,
  ) => {
    const obj = {
      metadata: {
        name: "x-0-a",
        namespace: "default",
        labels: {
          "app.kubernetes.io/managed-by": "grove-operator",
          ...(pcsName ? { "app.kubernetes.io/part-of": pcsName } : {}),
        },
      },
    };
    return {
      apiVersion: "admission.k8s.io/v1",
      kind: "AdmissionReview",
      request: {
        uid: "a-1",
        kind: { group, version: "v1", kind },
        name: "x-0-a",
        namespace: "default",
        operation,
        userInfo: { username: user },
        object: operation === "DELETE" ? null : obj,
        oldObject: operation === "CREATE" ? null : obj,
      },
    };
  };
  const decide = async (...a: Parameters<typeof managed>) =>
    responseOf(await reviewAdmission(WEBHOOK_PATHS.authorizer, managed(...a), ctx));

  it("denies a user's writes to a protected PodCliqueSet's objects with 403", async () => {
    for (const op of ["CREATE", "UPDATE", "DELETE"]) {
      const r = await decide("PodClique", "grove.io", "protected", op, "kubernetes-admin");
      expect(r.allowed, op).toBe(false);
      expect(r.status).toMatchObject({ code: 403, reason: "Forbidden" });
      expect(r.status?.message).toMatch(
        /^admission denied, (creation\/updation|deletion) of resource: default\/x-0-a is not allowed$/,
      );
    }
  });

  it("allows the operator, exempt users, pod deletion by anyone, CONNECT, unprotected and orphaned objects", async () => {
    expect((await decide("PodClique", "grove.io", "protected", "UPDATE", OPERATOR)).allowed).toBe(true);
    expect((await decide("PodClique", "grove.io", "protected", "DELETE", OPERATOR)).allowed).toBe(true);
    expect(
      (
        await decide(
          "PodGang",
          "scheduler.grove.io",
          "protected",
          "DELETE",
          "system:serviceaccount:kube-system:generic-garbage-collector",
        )
      ).allowed,
    ).toBe(true);
    expect((await decide("Pod", "", "protected", "DELETE", "kubernetes-admin")).allowed).toBe(true);
    expect((await decide("Pod", "", "protected", "UPDATE", "kubernetes-admin")).allowed).toBe(false);
    expect((await decide("PodClique", "grove.io", "protected", "CONNECT", "kubernetes-admin")).allowed).toBe(
      true,
    );
    expect((await decide("PodClique", "grove.io", "open", "UPDATE", "kubernetes-admin")).allowed).toBe(true);
    const gone = await decide("PodClique", "grove.io", "deleted-pcs", "UPDATE", "kubernetes-admin");
    expect(gone.allowed).toBe(true);
    expect(gone.warnings).toEqual(["parent PodCliqueSet deleted-pcs not found for resource: default/x-0-a"]);
    const unlabelled = await decide("PodClique", "grove.io", undefined, "UPDATE", "kubernetes-admin");
    expect(unlabelled.allowed).toBe(true);
    expect(unlabelled.warnings?.[0]).toContain("missing required label app.kubernetes.io/part-of");
  });

  it("is a 404 where the authorizer is not enabled, and a 500 answer when the PodCliqueSet cannot be read", async () => {
    await expect(
      reviewAdmission(WEBHOOK_PATHS.authorizer, managed("PodClique", "grove.io", "protected", "UPDATE", "u")),
    ).rejects.toMatchObject({ code: 404 });
    const failing = {
      authorizer: {
        ...ctx.authorizer,
        podCliqueSetAnnotations: async () => Promise.reject(new Error("etcd down")),
      },
    };
    const r = responseOf(
      await reviewAdmission(
        WEBHOOK_PATHS.authorizer,
        managed("PodClique", "grove.io", "p", "UPDATE", "u"),
        failing,
      ),
    );
    expect(r).toMatchObject({ allowed: false, status: { code: 500 } });
    expect(r.status?.message).toContain("etcd down");
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

  const post = (path: string, body: string, trust = ca.certPem) =>
    new Promise<{ status: number; json: Record<string, unknown> }>((resolve, reject) => {
      const req = request(
        `${server.url}${path}`,
        { method: "POST", ca: trust, agent: false, headers: { "Content-Type": "application/json" } },
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

  it("a malformed body is a 400 Status and the server keeps serving; an unknown path a 404", async () => {
    const bad = await post(WEBHOOK_PATHS.validatePodCliqueSet, "{not json");
    expect(bad.status).toBe(400);
    expect(bad.json).toMatchObject({ kind: "Status", code: 400, reason: "BadRequest" });
    expect(String(bad.json.message)).toMatch(/^the body is not JSON: /);
    const notReview = await post(WEBHOOK_PATHS.validatePodCliqueSet, JSON.stringify({ hello: "world" }));
    expect(notReview).toMatchObject({ status: 400, json: { reason: "BadRequest" } });
    expect((await post("/nowhere", "{}")).status).toBe(404);
    expect(
      (await post(WEBHOOK_PATHS.defaultPodCliqueSet, JSON.stringify(review(pcs([clique("w")]))))).status,
    ).toBe(200);
  });

  it("serves a new certificate once swapped (renewal) without a restart", async () => {
    const ca2 = createCertificateAuthority("test-ca-2");
    const next = issueCertificate(ca2, { commonName: "hooks", ipAddresses: ["127.0.0.1"] });
    server.setCertificate(next.certPem, next.keyPem);
    const body = JSON.stringify(review(pcs([clique("w")])));
    expect((await post(WEBHOOK_PATHS.defaultPodCliqueSet, body, ca2.certPem)).status).toBe(200);
    await expect(post(WEBHOOK_PATHS.defaultPodCliqueSet, body, ca.certPem)).rejects.toThrow();
  });
});
