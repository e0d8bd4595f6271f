// Grove's admission webhooks as a real kube-apiserver calls them (grove-behaviour.md §15): the
// PodCliqueSet defaulting webhook, the PodCliqueSet and ClusterTopologyBinding validating webhooks
// and the authorizer webhook (managed resource protection, grove-api.md §9.7), at Grove's paths,
// answering AdmissionReview v1. The rules are @grove-ts/api's functions, the same ones our API
// server's in-process admission and grove-validate run, and a denial carries the 422 Invalid Status
// our API server sends, so kubectl prints the same field and rule from either server.
import {
  AnnotationDisableManagedResourceProtection,
  type ClusterTopologyBinding,
  defaultPodCliqueSet,
  LabelPartOf,
  type PodCliqueSet,
  podCliqueSetWarnings,
  type ValidationOptions,
  validateClusterTopologyBinding,
  validatePodCliqueSet,
} from "@grove-ts/api";
import { ApiError, deepEqual, invalid, status } from "@grove-ts/runtime";

type Obj = Record<string, unknown>;

export const WEBHOOK_PATHS = {
  defaultPodCliqueSet: "/webhooks/default-podcliqueset",
  validatePodCliqueSet: "/webhooks/validate-podcliqueset",
  validateClusterTopology: "/webhooks/validate-clustertopology",
  authorizer: "/webhooks/authorizer-webhook",
} as const;

/** The parts of an admission.k8s.io/v1 AdmissionRequest the webhooks read. */
export interface AdmissionReviewRequest {
  uid: string;
  kind?: { group: string; version: string; kind: string };
  resource?: { group: string; version: string; resource: string };
  subResource?: string;
  name?: string;
  namespace?: string;
  operation: "CREATE" | "UPDATE" | "DELETE" | "CONNECT";
  object?: Obj | null;
  oldObject?: Obj | null;
  userInfo?: { username?: string; groups?: string[] };
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

/** What the authorizer webhook needs to decide (grove-api.md §9.7). */
export interface AuthorizerContext {
  /** The operator's own user name (`system:serviceaccount:<ns>:<sa>`): its writes are always allowed. */
  operatorUserName: string;
  /** Other users allowed to write managed objects (GC, HPA controller, ...). */
  exemptUserNames: readonly string[];
  /** The PodCliqueSet's annotations, or undefined where it does not exist. */
  podCliqueSetAnnotations(namespace: string, name: string): Promise<Record<string, string> | undefined>;
}

export interface AdmissionContext {
  /** Lookups of cluster state the rules need (ClusterTopologyBinding by name). */
  validation?: ValidationOptions;
  /** Absent: the authorizer path answers 404, as a webhook server without it would. */
  authorizer?: AuthorizerContext;
}

type Review = (
  req: AdmissionReviewRequest,
  ctx: AdmissionContext,
) => AdmissionReviewResponse | Promise<AdmissionReviewResponse>;

const allow = (uid: string, warnings: string[] = []): AdmissionReviewResponse => ({
  uid,
  allowed: true,
  ...(warnings.length ? { warnings } : {}),
});

/** PodCliqueSet defaulting: the changed top-level fields as `add`/`replace` operations. */
const defaultPcs: Review = (req) => {
  const obj = req.object;
  if (!obj || (req.operation !== "CREATE" && req.operation !== "UPDATE")) return allow(req.uid);
  const defaulted = defaultPodCliqueSet(structuredClone(obj) as never) as unknown as Obj;
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

const validatePcs: Review = (req, { validation: options = {} }) => {
  if (!req.object || (req.operation !== "CREATE" && req.operation !== "UPDATE")) return allow(req.uid);
  const pcs = req.object as unknown as PodCliqueSet;
  const old = (req.operation === "UPDATE" ? req.oldObject : undefined) as unknown as PodCliqueSet | undefined;
  const errors = validatePodCliqueSet(pcs, old, options);
  if (errors.length > 0) return denied(req, invalid("PodCliqueSet", "grove.io", req.name ?? "", errors));
  return allow(req.uid, podCliqueSetWarnings(pcs, old, options));
};

const validateCtb: Review = (req, { validation: options = {} }) => {
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

const PART_OF = LabelPartOf;
const DISABLE_PROTECTION = AnnotationDisableManagedResourceProtection;

const result = (uid: string, allowed: boolean, code: number, message: string, warnings: string[] = []) => ({
  uid,
  allowed,
  status: allowed
    ? {
        kind: "Status" as const,
        apiVersion: "v1" as const,
        metadata: {},
        status: "Success" as const,
        code,
        message,
      }
    : status(code, code === 403 ? "Forbidden" : code === 400 ? "BadRequest" : "InternalError", message),
  ...(warnings.length ? { warnings } : {}),
});

/**
 * Managed resource protection (grove-api.md §9.7): objects the operator manages (matched by the
 * webhook configuration's objectSelector on `app.kubernetes.io/managed-by`) may be written only by
 * the operator or an exempt user, unless their PodCliqueSet (label `app.kubernetes.io/part-of`) is
 * gone or carries `grove.io/disable-managed-resource-protection: "true"`. Anyone may delete a pod.
 */
const authorize: Review = async (req, { authorizer }) => {
  if (!authorizer) throw new ApiError(status(404, "NotFound", "the authorizer webhook is not enabled"));
  if (req.operation === "CONNECT") return result(req.uid, true, 200, `operation ${req.operation} is allowed`);
  const obj = (req.operation === "DELETE" ? req.oldObject : req.object) as
    | { metadata?: { name?: string; namespace?: string; labels?: Record<string, string> } }
    | null
    | undefined;
  if (!obj?.metadata)
    return result(
      req.uid,
      false,
      400,
      `cannot decode the ${req.operation === "DELETE" ? "old " : ""}object of the request`,
    );
  const meta = obj.metadata;
  const namespace = meta.namespace ?? req.namespace ?? "";
  const key = `${namespace ? `${namespace}/` : ""}${meta.name ?? req.name ?? ""}`;
  const pcsName = meta.labels?.[PART_OF];
  if (!pcsName)
    return result(
      req.uid,
      true,
      200,
      `admission allowed, no PodCliqueSet could be determined for resource: ${key}`,
      [`missing required label ${PART_OF} on resource ${key}, could not determine parent PodCliqueSet`],
    );
  let annotations: Record<string, string> | undefined;
  try {
    annotations = await authorizer.podCliqueSetAnnotations(namespace, pcsName);
  } catch (err) {
    return result(
      req.uid,
      false,
      500,
      `cannot read PodCliqueSet ${namespace}/${pcsName}: ${(err as Error).message}`,
    );
  }
  if (!annotations)
    return result(
      req.uid,
      true,
      200,
      `admission allowed, no PodCliqueSet could be determined for resource: ${key}`,
      [`parent PodCliqueSet ${pcsName} not found for resource: ${key}`],
    );
  if (annotations[DISABLE_PROTECTION] === "true")
    return result(
      req.uid,
      true,
      200,
      `admission allowed, resource protection is disabled for PodCliqueSet: ${namespace}/${pcsName}`,
    );
  const user = req.userInfo?.username ?? "";
  const isPod = (req.kind?.group ?? "") === "" && req.kind?.kind === "Pod";
  if (req.operation === "DELETE" && isPod)
    return result(
      req.uid,
      true,
      200,
      "admission allowed, deletion of resource: Pod is allowed for all users having sufficient RBAC",
    );
  if (req.operation === "CREATE" || req.operation === "UPDATE" || req.operation === "DELETE") {
    const what = req.operation === "DELETE" ? "deletion" : "creation/updation";
    if (user === authorizer.operatorUserName || authorizer.exemptUserNames.includes(user))
      return result(
        req.uid,
        true,
        200,
        `admission allowed, ${what} of resource: ${key} is initiated by ${user}`,
      );
    return result(req.uid, false, 403, `admission denied, ${what} of resource: ${key} is not allowed`);
  }
  return result(req.uid, false, 403, "Unhandled operation. Admission denied.");
};

const reviews: Record<string, Review> = {
  [WEBHOOK_PATHS.defaultPodCliqueSet]: defaultPcs,
  [WEBHOOK_PATHS.validatePodCliqueSet]: validatePcs,
  [WEBHOOK_PATHS.validateClusterTopology]: validateCtb,
  [WEBHOOK_PATHS.authorizer]: authorize,
};

export const isWebhookPath = (path: string): boolean => path in reviews;

/**
 * Answers one AdmissionReview (the parsed request body) for `path`; undefined for an unknown path.
 * A body that is not an AdmissionReview with a request and a uid is an ApiError 400.
 */
export async function reviewAdmission(
  path: string,
  body: unknown,
  ctx: AdmissionContext = {},
): Promise<Obj | undefined> {
  const review = reviews[path];
  if (!review) return undefined;
  const b = body as { kind?: unknown; apiVersion?: unknown; request?: AdmissionReviewRequest } | undefined;
  if (typeof b !== "object" || b === null || Array.isArray(b) || b.kind !== "AdmissionReview")
    throw new ApiError(
      status(400, "BadRequest", "the body is not an AdmissionReview (kind AdmissionReview)"),
    );
  if (b.apiVersion !== "admission.k8s.io/v1")
    throw new ApiError(
      status(
        400,
        "BadRequest",
        `AdmissionReview apiVersion ${JSON.stringify(b.apiVersion)} is not served (admission.k8s.io/v1)`,
      ),
    );
  const request = b.request;
  if (!request || typeof request !== "object" || typeof request.uid !== "string")
    throw new ApiError(status(400, "BadRequest", "AdmissionReview has no request with a uid"));
  return {
    apiVersion: "admission.k8s.io/v1",
    kind: "AdmissionReview",
    response: await review(request, ctx),
  };
}
