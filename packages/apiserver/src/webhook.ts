// Grove's admission webhooks over HTTPS, for a real kube-apiserver (grove-behaviour.md §15): the
// PodCliqueSet defaulting webhook, the PodCliqueSet and ClusterTopologyBinding validating webhooks,
// at Grove's paths, answering AdmissionReview v1. The rules are @grove-ts/api's functions, the
// same ones this package's in-process admission (grove.ts) and grove-validate run, and a denial
// carries the 422 Invalid Status our API server sends, so kubectl prints the same field and rule
// from either server.
import { createServer, type Server } from "node:https";
import type { AddressInfo } from "node:net";
import {
  type ClusterTopologyBinding,
  defaultPodCliqueSet,
  type PodCliqueSet,
  podCliqueSetWarnings,
  type ValidationOptions,
  validateClusterTopologyBinding,
  validatePodCliqueSet,
} from "@grove-ts/api";
import { ApiError } from "@grove-ts/runtime";
import { invalid, status } from "./status.js";
import { clone, deepEqual, type Obj } from "./util.js";

export const WEBHOOK_PATHS = {
  defaultPodCliqueSet: "/webhooks/default-podcliqueset",
  validatePodCliqueSet: "/webhooks/validate-podcliqueset",
  validateClusterTopology: "/webhooks/validate-clustertopology",
} as const;

/** The parts of an admission.k8s.io/v1 AdmissionRequest the webhooks read. */
export interface AdmissionReviewRequest {
  uid: string;
  kind?: { group: string; version: string; kind: string };
  name?: string;
  namespace?: string;
  operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  object?: Obj | null;
  oldObject?: Obj | null;
}

export interface AdmissionReviewResponse {
  uid: string;
  allowed: boolean;
  status?: ReturnType<typeof status>;
  patchType?: "JSONPatch";
  /** base64 of an RFC 6902 patch. */
  patch?: string;
  warnings?: string[];
}

type Review = (req: AdmissionReviewRequest, options: ValidationOptions) => AdmissionReviewResponse;

const allow = (uid: string, warnings: string[] = []): AdmissionReviewResponse => ({
  uid,
  allowed: true,
  ...(warnings.length ? { warnings } : {}),
});

/** PodCliqueSet defaulting: the changed top-level fields as `add`/`replace` operations. */
const defaultPcs: Review = (req) => {
  const obj = req.object;
  if (!obj || (req.operation !== "CREATE" && req.operation !== "UPDATE")) return allow(req.uid);
  const defaulted = defaultPodCliqueSet(clone(obj) as never) as unknown as Obj;
  const ops: { op: "add" | "replace"; path: string; value: unknown }[] = [];
  for (const key of Object.keys(defaulted))
    if (!deepEqual(defaulted[key], obj[key]))
      ops.push({ op: key in obj ? "replace" : "add", path: `/${key}`, value: defaulted[key] });
  if (ops.length === 0) return allow(req.uid);
  return {
    uid: req.uid,
    allowed: true,
    patchType: "JSONPatch",
    patch: Buffer.from(JSON.stringify(ops)).toString("base64"),
  };
};

const denied = (req: AdmissionReviewRequest, err: ApiError): AdmissionReviewResponse => ({
  uid: req.uid,
  allowed: false,
  status: err.status,
});

const validatePcs: Review = (req, options) => {
  if (!req.object || (req.operation !== "CREATE" && req.operation !== "UPDATE")) return allow(req.uid);
  const pcs = req.object as unknown as PodCliqueSet;
  const old = (req.operation === "UPDATE" ? req.oldObject : undefined) as unknown as PodCliqueSet | undefined;
  const errors = validatePodCliqueSet(pcs, old, options);
  if (errors.length > 0) return denied(req, invalid("PodCliqueSet", "grove.io", req.name ?? "", errors));
  return allow(req.uid, podCliqueSetWarnings(pcs, old, options));
};

const validateCtb: Review = (req, options) => {
  if (!req.object || (req.operation !== "CREATE" && req.operation !== "UPDATE")) return allow(req.uid);
  const old = (req.operation === "UPDATE" ? req.oldObject : undefined) as unknown as
    | ClusterTopologyBinding
    | undefined;
  const errors = validateClusterTopologyBinding(
    req.object as unknown as ClusterTopologyBinding,
    old,
    options,
  );
  if (errors.length > 0)
    return denied(req, invalid("ClusterTopologyBinding", "grove.io", req.name ?? "", errors));
  return allow(req.uid);
};

const reviews: Record<string, Review> = {
  [WEBHOOK_PATHS.defaultPodCliqueSet]: defaultPcs,
  [WEBHOOK_PATHS.validatePodCliqueSet]: validatePcs,
  [WEBHOOK_PATHS.validateClusterTopology]: validateCtb,
};

/**
 * Answers one AdmissionReview (the parsed request body) for `path`; undefined for an unknown path.
 * A review without a request is a 400.
 */
export function reviewAdmission(
  path: string,
  body: unknown,
  options: ValidationOptions = {},
): Obj | undefined {
  const review = reviews[path];
  if (!review) return undefined;
  const request = (body as { request?: AdmissionReviewRequest } | undefined)?.request;
  if (!request || typeof request.uid !== "string")
    throw new ApiError(status(400, "BadRequest", "AdmissionReview has no request with a uid"));
  return { apiVersion: "admission.k8s.io/v1", kind: "AdmissionReview", response: review(request, options) };
}

export interface WebhookServerOptions {
  /** PEM serving certificate and key (the certificate's names must cover how the API server calls it). */
  certPem: string;
  keyPem: string;
  /** 0 (default) picks a free port. */
  port?: number;
  host?: string;
  /** Per review: lookups of cluster state the rules need (ClusterTopologyBinding by name). */
  validation?: () => ValidationOptions;
}

export interface WebhookServer {
  /** https://host:port */
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Serves Grove's admission webhooks over HTTPS. */
export async function startWebhookServer(options: WebhookServerOptions): Promise<WebhookServer> {
  const server = createServer({ cert: options.certPem, key: options.keyPem }, (req, res) => {
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { "Content-Type": "application/json" });
      res.end(JSON.stringify(body));
    };
    const path = (req.url ?? "").split("?")[0] ?? "";
    if (req.method === "GET" && (path === "/healthz" || path === "/readyz")) {
      res.writeHead(200, { "Content-Type": "text/plain" });
      res.end("ok");
      return;
    }
    if (!reviews[path]) return send(404, status(404, "NotFound", `no webhook at ${path}`));
    if (req.method !== "POST") return send(405, status(405, "MethodNotAllowed", "webhooks take POST"));
    let raw = "";
    req.setEncoding("utf8");
    req.on("data", (c: string) => {
      raw += c;
    });
    req.on("end", () => {
      try {
        send(200, reviewAdmission(path, JSON.parse(raw), options.validation?.() ?? {}));
      } catch (err) {
        if (err instanceof ApiError) send(err.status.code ?? 400, err.status);
        else send(400, status(400, "BadRequest", `malformed AdmissionReview: ${(err as Error).message}`));
      }
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${options.host ?? "127.0.0.1"}:${port}`,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Grove's webhook configurations (§15: failurePolicy Fail, 10 s), calling `baseUrl` and trusting
 * `caPem`. Names as Grove's chart gives them.
 */
export function groveWebhookConfigurations(
  baseUrl: string,
  caPem: string,
): { mutating: Obj; validating: Obj } {
  const caBundle = Buffer.from(caPem).toString("base64");
  const hook = (name: string, path: string, resource: string) => ({
    name,
    admissionReviewVersions: ["v1"],
    sideEffects: "None",
    failurePolicy: "Fail",
    timeoutSeconds: 10,
    matchPolicy: "Equivalent",
    clientConfig: { url: `${baseUrl}${path}`, caBundle },
    rules: [
      {
        apiGroups: ["grove.io"],
        apiVersions: ["v1alpha1"],
        operations: ["CREATE", "UPDATE"],
        resources: [resource],
        scope: resource === "podcliquesets" ? "Namespaced" : "Cluster",
      },
    ],
  });
  return {
    mutating: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "MutatingWebhookConfiguration",
      metadata: { name: "podcliqueset-defaulting-webhook" },
      webhooks: [
        hook("pcs.defaulting.webhooks.grove.io", WEBHOOK_PATHS.defaultPodCliqueSet, "podcliquesets"),
      ],
    },
    validating: {
      apiVersion: "admissionregistration.k8s.io/v1",
      kind: "ValidatingWebhookConfiguration",
      metadata: { name: "grove-validating-webhooks" },
      webhooks: [
        hook("pcs.validating.webhooks.grove.io", WEBHOOK_PATHS.validatePodCliqueSet, "podcliquesets"),
        hook(
          "clustertopology.validating.webhooks.grove.io",
          WEBHOOK_PATHS.validateClusterTopology,
          "clustertopologybindings",
        ),
      ],
    },
  };
}
