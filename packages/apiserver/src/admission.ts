// Admission (kube-apiserver's admission chain, as this server has it): structural-schema pruning and
// defaulting for custom resources (unknown fields reported per fieldValidation), then the mutating
// hooks in registration order, pruning and defaulting again, the kind's validation (the strategy's,
// passed in by the write pipeline), and last the validating hooks. Hooks are in-process functions
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
   * Runs the chain on `a.obj` in place; throws 400 (strict decoding) or 422 (Invalid) with every
   * cause found. `validate` is the kind's validation between mutation and the validating hooks.
   */
  admit(a: Attributes, validate: (obj: Obj) => Cause[]): void {
    const { def, obj, opts } = a;
    const name = String((obj.metadata as Obj).name ?? "");
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
    const req: AdmissionRequest = {
      operation: a.operation,
      group: def.group,
      version: def.version,
      kind: def.kind,
      resource: def.plural,
      namespace: a.namespace,
      name,
      object: obj,
      dryRun: opts.dryRun === true,
      lookup: this.lookup,
    };
    if (a.subresource) req.subresource = a.subresource;
    if (a.old) req.oldObject = a.old;
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
    const causes = validate(obj);
    if (causes.length > 0) throw invalid(def.kind, def.group, name, causes);
    req.object = obj;
    for (const [match, hook] of this.validating) {
      if (!matches(match, def)) continue;
      const out = hook(req);
      const result: ValidationResult = Array.isArray(out) ? { errors: out } : (out ?? {});
      if (result.warnings && opts.warnings) opts.warnings.push(...result.warnings);
      if (result.errors && result.errors.length > 0) causes.push(...result.errors);
    }
    if (causes.length > 0) throw invalid(def.kind, def.group, name, causes);
  }
}
