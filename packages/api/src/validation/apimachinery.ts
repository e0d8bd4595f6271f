// The apimachinery validators Grove's webhook leans on (k8s.io/apimachinery/pkg/util/validation and
// api/validation), with the same limits and messages, so a rejection reads as kube-apiserver's.

import {
  type FieldError,
  FieldPath,
  fieldForbidden,
  fieldInvalid,
  fieldRequired,
  fieldTooLong,
} from "../field-errors.js";
import { isObj, type Obj, str } from "./json.js";

const dns1123LabelFmt = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const dns1123SubdomainFmt = `${dns1123LabelFmt}(\\.${dns1123LabelFmt})*`;
const dns1123LabelRe = new RegExp(`^${dns1123LabelFmt}$`);
const dns1123SubdomainRe = new RegExp(`^${dns1123SubdomainFmt}$`);
const qualifiedNameFmt = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const qualifiedNameRe = new RegExp(`^${qualifiedNameFmt}$`);
const labelValueRe = new RegExp(`^(${qualifiedNameFmt})?$`);
const envVarNameFmt = "[-._a-zA-Z][-._a-zA-Z0-9]*";
const envVarNameRe = new RegExp(`^${envVarNameFmt}$`);

export const DNS1123LabelMaxLength = 63;
export const DNS1123SubdomainMaxLength = 253;
export const LabelValueMaxLength = 63;
export const QualifiedNameMaxLength = 63;
export const TotalAnnotationSizeLimitB = 256 * 1024;

const maxLenMsg = (n: number) => `must be no more than ${n} characters`;

const dns1123LabelErrMsg =
  "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
const dns1123SubdomainErrMsg =
  "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";
const qualifiedNameErrMsg =
  "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const labelValueErrMsg =
  "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const envVarNameErrMsg =
  "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')";

/** IsDNS1123Label: the problems with `v`, empty when valid. */
export function isDNS1123Label(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123LabelMaxLength) errs.push(maxLenMsg(DNS1123LabelMaxLength));
  if (!dns1123LabelRe.test(v))
    // A valid subdomain that is no label (the length is checked above) can only have dots.
    errs.push(dns1123SubdomainRe.test(v) ? "must not contain dots" : dns1123LabelErrMsg);
  return errs;
}

/** IsDNS1123Subdomain: the problems with `v`, empty when valid. */
export function isDNS1123Subdomain(v: string): string[] {
  const errs: string[] = [];
  if (v.length > DNS1123SubdomainMaxLength) errs.push(maxLenMsg(DNS1123SubdomainMaxLength));
  if (!dns1123SubdomainRe.test(v)) errs.push(dns1123SubdomainErrMsg);
  return errs;
}

/** Byte length, as Go's len() counts a string. */
function utf8Length(v: string): number {
  let n = v.length;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    // A surrogate pair is 2 UTF-16 units and 4 bytes: each unit adds one byte here.
    if (c >= 0x80) n += c < 0x800 ? 1 : c >= 0xd800 && c < 0xe000 ? 1 : 2;
  }
  return n;
}

const maxBytesMsg = (n: number) => `must be no more than ${n} bytes`;

/**
 * content.IsLabelKey (also IsQualifiedName since 1.37): `[prefix/]name`, prefix a DNS subdomain of
 * at most 253 bytes, name at most 63 bytes of the qualified-name charset. The one label-key rule:
 * metadata validation and the label-selector parser both use it.
 */
export function isLabelKey(v: string): string[] {
  const errs: string[] = [];
  const parts = v.split("/");
  let name: string;
  if (parts.length === 1) {
    name = parts[0] ?? "";
  } else if (parts.length === 2) {
    const prefix = parts[0] ?? "";
    name = parts[1] ?? "";
    if (prefix.length === 0) errs.push("prefix part must be non-empty");
    else {
      if (utf8Length(prefix) > DNS1123SubdomainMaxLength)
        errs.push(`prefix part ${maxBytesMsg(DNS1123SubdomainMaxLength)}`);
      if (!dns1123SubdomainRe.test(prefix)) errs.push(`prefix part ${dns1123SubdomainErrMsg}`);
    }
  } else {
    return [
      `a valid label key ${qualifiedNameErrMsg} (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFmt}') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')`,
    ];
  }
  if (name.length === 0) errs.push("name part must be non-empty");
  else if (utf8Length(name) > QualifiedNameMaxLength)
    errs.push(`name part ${maxBytesMsg(QualifiedNameMaxLength)}`);
  if (!qualifiedNameRe.test(name)) {
    errs.push(
      `name part ${qualifiedNameErrMsg} (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '${qualifiedNameFmt}')`,
    );
  }
  return errs;
}

/** IsQualifiedName is IsLabelKey in apimachinery 1.37. */
export const isQualifiedName = isLabelKey;

/** content.IsLabelValue: empty, or at most 63 bytes of the qualified-name charset. */
export function isValidLabelValue(v: string): string[] {
  const errs: string[] = [];
  if (utf8Length(v) > LabelValueMaxLength) errs.push(maxBytesMsg(LabelValueMaxLength));
  if (!labelValueRe.test(v)) errs.push(labelValueErrMsg);
  return errs;
}

/** IsEnvVarName (the classic rule: letters, digits, '_', '-', '.', not starting with a digit). */
export function isEnvVarName(v: string): string[] {
  const errs: string[] = [];
  if (!envVarNameRe.test(v)) errs.push(envVarNameErrMsg);
  if (v === ".") errs.push("must not be '.'");
  else if (v === "..") errs.push("must not be '..'");
  else if (v.startsWith("..")) errs.push("must not start with '..'");
  return errs;
}

/** ValidateLabels: keys are qualified names, values valid label values. Errors on the map path. */
export function validateLabels(labels: unknown, path: FieldPath): FieldError[] {
  if (!isObj(labels)) return [];
  const errs: FieldError[] = [];
  for (const [k, v] of Object.entries(labels)) {
    for (const m of isQualifiedName(k)) errs.push(fieldInvalid(path, m, k));
    if (typeof v !== "string") {
      errs.push(fieldInvalid(path.key(k), "must be a string", v));
      continue;
    }
    for (const m of isValidLabelValue(v)) errs.push(fieldInvalid(path, m, v));
  }
  return errs;
}

/** ValidateAnnotations: keys are qualified names (checked lower-cased); total size ≤ 256 KiB in bytes. */
export function validateAnnotations(annotations: unknown, path: FieldPath): FieldError[] {
  if (!isObj(annotations)) return [];
  const errs: FieldError[] = [];
  let total = 0;
  for (const [k, v] of Object.entries(annotations)) {
    for (const m of isQualifiedName(k.toLowerCase())) errs.push(fieldInvalid(path, m, k));
    if (typeof v !== "string") {
      errs.push(fieldInvalid(path.key(k), "must be a string", v));
      continue;
    }
    total += utf8Length(k) + utf8Length(v);
  }
  if (total > TotalAnnotationSizeLimitB) {
    errs.push(fieldTooLong(path, `may not be more than ${TotalAnnotationSizeLimitB} bytes`));
  }
  return errs;
}

/**
 * apimachinery's ValidateNameFunc: the problems with a name, or with a generateName prefix
 * (`prefix`), which has a random suffix appended and so may end in '-'.
 */
export type NameValidator = (name: string, prefix: boolean) => string[];

/** maskTrailingDash, exactly as apimachinery writes it (it drops the two last characters and adds "a"). */
const maskTrailingDash = (name: string): string =>
  name.length > 1 && name.endsWith("-") ? `${name.slice(0, -2)}a` : name;

/** NameIsDNSSubdomain: most kinds. */
export const nameIsDNSSubdomain: NameValidator = (name, prefix) =>
  isDNS1123Subdomain(prefix ? maskTrailingDash(name) : name);

/** NameIsDNSLabel: Namespaces. */
export const nameIsDNSLabel: NameValidator = (name, prefix) =>
  isDNS1123Label(prefix ? maskTrailingDash(name) : name);

/** path.ValidatePathSegmentName: RBAC kinds (`grove.io:pcs:<name>` is valid). */
export const nameIsPathSegment: NameValidator = (name, prefix) => {
  if (!prefix && (name === "." || name === "..")) return [`may not be '${name}'`];
  return ["/", "%"].filter((c) => name.includes(c)).map((c) => `may not contain '${c}'`);
};

export interface ObjectMetaOptions {
  requiresNamespace: boolean;
  /** The kind's name rule (default NameIsDNSSubdomain). */
  nameFn?: NameValidator;
  /**
   * The core API group's extra finalizer rule (validateKubeFinalizerName): a finalizer with no
   * '/' must be one of Kubernetes' own. Most built-in kinds have it; custom resources do not.
   */
  kubeFinalizers?: boolean;
}

/** The finalizers Kubernetes itself sets (helper.IsStandardFinalizerName). */
const standardFinalizers = new Set([
  "kubernetes",
  "orphan",
  "foregroundDeletion",
  "kubernetes.io/pvc-protection",
  "kubernetes.io/pv-protection",
]);

/** ValidateFinalizers (and, with kubeFinalizers, core's per-finalizer rule). */
function validateFinalizers(finalizers: unknown, path: FieldPath, kubeFinalizers: boolean): FieldError[] {
  if (finalizers === undefined || finalizers === null) return [];
  if (!Array.isArray(finalizers) || !finalizers.every((f) => typeof f === "string"))
    return [fieldInvalid(path, "must be a list of strings", finalizers)];
  const errs: FieldError[] = [];
  for (const f of finalizers as string[])
    for (const msg of isQualifiedName(f)) errs.push(fieldInvalid(path, msg, f));
  if (finalizers.includes("orphan") && finalizers.includes("foregroundDeletion"))
    errs.push(fieldInvalid(path, "finalizer orphan and foregroundDeletion cannot be both set", finalizers));
  if (kubeFinalizers)
    (finalizers as string[]).forEach((f, i) => {
      if (!f.includes("/") && !standardFinalizers.has(f))
        errs.push(
          fieldInvalid(
            path.index(i),
            "name is neither a standard finalizer name nor is it fully qualified",
            f,
          ),
        );
    });
  return errs;
}

/** ValidateOwnerReferences: apiVersion, kind, name and uid set; apiVersion parses as a GroupVersion. */
function validateOwnerReferences(refs: unknown, path: FieldPath): FieldError[] {
  if (refs === undefined || refs === null) return [];
  if (!Array.isArray(refs)) return [fieldInvalid(path, "must be a list", refs)];
  const errs: FieldError[] = [];
  refs.forEach((r, i) => {
    const ref = isObj(r) ? r : {};
    const at = path.index(i);
    const apiVersion = str(ref.apiVersion) ?? "";
    const slashes = apiVersion.split("/").length - 1;
    if (apiVersion === "") errs.push(fieldRequired(at.child("apiVersion"), "must not be empty"));
    else if (slashes > 1 || apiVersion.endsWith("/"))
      errs.push(fieldInvalid(at.child("apiVersion"), "must be <group>/<version> or <version>", apiVersion));
    for (const f of ["kind", "name", "uid"])
      if (!str(ref[f])) errs.push(fieldRequired(at.child(f), "must not be empty"));
  });
  return errs;
}

/**
 * ValidateObjectMeta(meta, requiresNamespace, nameFn): name or generateName (each by the kind's
 * name rule), DNS-label namespace, labels, annotations, finalizers, owner references, non-negative
 * generation. kube-apiserver's messages; the API server and the webhook both call this one copy.
 */
export function validateObjectMeta(meta: unknown, path: FieldPath, opts: ObjectMetaOptions): FieldError[] {
  const errs: FieldError[] = [];
  if (!isObj(meta)) return [fieldRequired(path)];
  const m = meta as Obj;
  const nameFn = opts.nameFn ?? nameIsDNSSubdomain;
  const name = str(m.name);
  const generateName = str(m.generateName);
  if (generateName) {
    for (const msg of nameFn(generateName, true)) {
      errs.push(fieldInvalid(path.child("generateName"), msg, generateName));
    }
  }
  if (!name) {
    if (!generateName) errs.push(fieldRequired(path.child("name"), "name or generateName is required"));
  } else {
    for (const msg of nameFn(name, false)) errs.push(fieldInvalid(path.child("name"), msg, name));
  }
  const ns = str(m.namespace);
  if (opts.requiresNamespace) {
    if (!ns) errs.push(fieldRequired(path.child("namespace")));
    else for (const msg of isDNS1123Label(ns)) errs.push(fieldInvalid(path.child("namespace"), msg, ns));
  } else if (ns) {
    errs.push(fieldForbidden(path.child("namespace"), "not allowed on this type"));
  }
  if (typeof m.generation === "number" && m.generation < 0) {
    errs.push(fieldInvalid(path.child("generation"), "must be greater than or equal to 0", m.generation));
  }
  for (const field of ["labels", "annotations"] as const) {
    const v = m[field];
    if (v !== undefined && v !== null && !isObj(v))
      errs.push(fieldInvalid(path.child(field), "must be a map of string keys to string values", v));
  }
  // Each list or map only when present: this runs on every write the API server takes.
  if (m.labels !== undefined) errs.push(...validateLabels(m.labels, path.child("labels")));
  if (m.annotations !== undefined)
    errs.push(...validateAnnotations(m.annotations, path.child("annotations")));
  if (m.finalizers !== undefined)
    errs.push(...validateFinalizers(m.finalizers, path.child("finalizers"), opts.kubeFinalizers === true));
  if (m.ownerReferences !== undefined)
    errs.push(...validateOwnerReferences(m.ownerReferences, path.child("ownerReferences")));
  return errs;
}

/** Re-exported so rule modules build paths from one place. */
export { FieldPath };
