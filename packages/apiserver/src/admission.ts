// Admission (kube-apiserver's admission chain, as this server has it), in two halves around the
// strategy as kube-apiserver runs them: mutate (structural-schema pruning and defaulting for custom
// resources, unknown fields reported per fieldValidation, then the mutating hooks in registration
// order, pruning and defaulting again), then the write pipeline's PrepareForCreate/Update and the
// kind's validation, then validate (the validating hooks, only when the kind's validation passed). Hooks are in-process functions
// (grove.ts registers Grove's webhooks as such), matched by group and optionally kind.
import type { ResourceDef } from "./registry.js";
import { applyDefaults, prune } from "./schema.js";
import { badRequest, type Cause, invalid } from "./status.js";
import type {
  AdmissionRequest,
  HookMatch,
  MutatingHook,
  ValidatingHook,
  ValidationResult,
  WriteOpts,
} from "./types.js";
import type { Obj } from "./util.js";

/** One write as admission sees it. */
export interface Attributes {
  def: ResourceDef;
  operation: "CREATE" | "UPDATE";
  obj: Obj;
  old: Obj | undefined;
  opts: WriteOpts;
  namespace: string;
  subresource?: string | undefined;
}

const matches = (match: HookMatch, def: ResourceDef): boolean =>
  match.group === def.group && (!match.kind || match.kind === def.kind);

export class Admission {
  private readonly mutating: [HookMatch, MutatingHook][] = [];
  private readonly validating: [HookMatch, ValidatingHook][] = [];

  constructor(private readonly lookup: AdmissionRequest["lookup"]) {}

  addMutatingHook(match: HookMatch, hook: MutatingHook): void {
    this.mutating.push([match, hook]);
  }

  addValidatingHook(match: HookMatch, hook: ValidatingHook): void {
    this.validating.push([match, hook]);
  }

  /**
   * The mutating half, on `a.obj` in place (kube-apiserver runs it in the handler, before the
   * strategy's PrepareForCreate/PrepareForUpdate): structural pruning and defaulting, the mutating
   * hooks, pruning and defaulting again. Throws 400 on strict decoding errors.
   */
  mutate(a: Attributes): void {
    const { def, obj, opts } = a;
    const fv = opts.fieldValidation ?? "Warn";
    const schema = def.builtin ? undefined : def.schema;
    if (schema) {
      const unknown = prune(obj, schema);
      if (unknown.length > 0 && fv === "Strict")
        throw badRequest(`strict decoding error: ${unknown.map((f) => `unknown field "${f}"`).join(", ")}`);
      if (unknown.length > 0 && fv === "Warn" && opts.warnings)
        for (const f of unknown) opts.warnings.push(`unknown field "${f}"`);
      applyDefaults(obj, schema);
    }
    const req = this.request(a);
    for (const [match, hook] of this.mutating) {
      if (!matches(match, def)) continue;
      req.object = obj;
      const out = hook(req);
      if (out && out !== obj) {
        for (const k of Object.keys(obj)) delete obj[k];
        Object.assign(obj, out);
      }
    }
    if (schema) {
      prune(obj, schema);
      applyDefaults(obj, schema);
    }
  }

  /**
   * The validating half (after the strategy prepared the object): `causes` are the strategy's
   * findings; the validating hooks run only when there are none, as kube-apiserver's
   * createValidation/updateValidation follow the strategy's Validate. Throws 422 (Invalid) with
   * every cause found.
   */
  validate(a: Attributes, causes: Cause[]): void {
    const name = String((a.obj.metadata as Obj).name ?? "");
    if (causes.length > 0) throw invalid(a.def.kind, a.def.group, name, causes);
    const req = this.request(a);
    for (const [match, hook] of this.validating) {
      if (!matches(match, a.def)) continue;
      const out = hook(req);
      const result: ValidationResult = Array.isArray(out) ? { errors: out } : (out ?? {});
      if (result.warnings && a.opts.warnings) a.opts.warnings.push(...result.warnings);
      if (result.errors && result.errors.length > 0) causes.push(...result.errors);
    }
    if (causes.length > 0) throw invalid(a.def.kind, a.def.group, name, causes);
  }

  private request(a: Attributes): AdmissionRequest {
    const { def, obj } = a;
    const req: AdmissionRequest = {
      operation: a.operation,
      group: def.group,
      version: def.version,
      kind: def.kind,
      resource: def.plural,
      namespace: a.namespace,
      name: String((obj.metadata as Obj).name ?? ""),
      object: obj,
      dryRun: a.opts.dryRun === true,
      lookup: this.lookup,
    };
    if (a.subresource) req.subresource = a.subresource;
    if (a.old) req.oldObject = a.old;
    return req;
  }
}
