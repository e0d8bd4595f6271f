// validatePodCliqueSet and podCliqueSetWarnings: the PCS admission chain of grove-api.md §9 as one pure
// function over the (already defaulted) object. Create when `old` is undefined, update otherwise.
//
// Order, as Grove runs it: CRD CEL rules (§9.1), then the validating webhook. On create: V1-V33, T1-T7,
// M1-M2. On update: V1-V33 (without V19) and U8; only if those pass, the immutability rules U1-U7 (and
// T1-T6 again when U7's legacy repair applied). Unlike the API server, which stops at the first failing
// stage, CEL and webhook errors are reported together so a user sees every problem at once.

import type { FieldError } from "../field-errors.js";
import type { PodCliqueSet } from "./api-types.js";
import { validateBackend } from "./backends.js";
import { validatePodCliqueSetCEL } from "./cel.js";
import { validateMNNVLOnCreate, validateMNNVLUpdate } from "./mnnvl.js";
import { viewPodCliqueSet } from "./model.js";
import { resolveOptions, type ValidationOptions } from "./options.js";
import { validateSpecRules } from "./spec-rules.js";
import { validateSpreadReplicas } from "./spread-replicas.js";
import { packDomainWarnings, validateTopologyOnCreate, validateTopologyUpdate } from "./topology.js";
import { validateUpdateRules } from "./update-rules.js";

interface Outcome {
  errs: FieldError[];
  warnings: string[];
}

function run(pcs: unknown, old: unknown, options: ValidationOptions | undefined): Outcome {
  const o = resolveOptions(options);
  const v = viewPodCliqueSet(pcs);
  const create = old === undefined;
  const errs: FieldError[] = [];
  const warnings: string[] = [];
  errs.push(...validatePodCliqueSetCEL(v, create));
  const spec = validateSpecRules(v, o, create);
  errs.push(...spec.errs);
  warnings.push(...spec.warnings);
  if (create) {
    errs.push(...validateMNNVLOnCreate(v, o.autoMNNVLEnabled));
    errs.push(...validateBackend(v, o));
    const topo = validateTopologyOnCreate(v, o);
    errs.push(...topo.errs);
    warnings.push(...topo.warnings);
    errs.push(...validateSpreadReplicas(v, o));
    return { errs, warnings };
  }
  const ov = viewPodCliqueSet(old);
  errs.push(...validateMNNVLUpdate(v, ov));
  errs.push(...validateBackend(v, o));
  errs.push(...validateSpreadReplicas(v, o, ov));
  warnings.push(...packDomainWarnings(v));
  if (errs.length > 0) return { errs, warnings };
  errs.push(...validateUpdateRules(v, ov));
  const topo = validateTopologyUpdate(v, ov);
  errs.push(...topo.errs);
  if (topo.repaired && topo.errs.length === 0) {
    const again = validateTopologyOnCreate(v, o);
    errs.push(...again.errs);
    warnings.push(...again.warnings);
  }
  return { errs, warnings };
}

/** Every §9 rejection of `pcs` (create when `old` is undefined), as Kubernetes field errors. */
export function validatePodCliqueSet(
  pcs: PodCliqueSet,
  old?: PodCliqueSet,
  options?: ValidationOptions,
): FieldError[] {
  return run(pcs, old, options).errs;
}

/** The admission warnings: V18 (restartPolicy), T7 (redundant preferred), U9 (deprecated packDomain). */
export function podCliqueSetWarnings(
  pcs: PodCliqueSet,
  old?: PodCliqueSet,
  options?: ValidationOptions,
): string[] {
  return run(pcs, old, options).warnings;
}
