// MNNVL annotation rules (grove-api.md §9.3 M1-M2 on create, §9.4 U8 on update).

import { type FieldError, FieldPath, fieldForbidden, fieldInvalid, fieldRequired } from "../field-errors.js";
import { isDNS1123Label } from "./apimachinery.js";
import { obj, str } from "./json.js";
import type { PcsView } from "./model.js";

export const MNNVLGroupAnnotation = "grove.io/mnnvl-group";
export const MNNVLOptOut = "none";

interface Site {
  who: string;
  /** Key used to match the same layer between old and new objects. */
  id: string;
  annotations: Record<string, unknown> | undefined;
  path: FieldPath;
}

function sites(v: PcsView): Site[] {
  const out: Site[] = [
    {
      who: "PodCliqueSet",
      id: "pcs",
      annotations: obj(v.meta?.annotations),
      path: FieldPath.root("metadata").child("annotations").key(MNNVLGroupAnnotation),
    },
  ];
  for (const c of v.cliques) {
    out.push({
      who: `PodClique template '${c.name ?? ""}'`,
      id: `clique/${c.name ?? ""}`,
      annotations: obj(c.raw.annotations),
      path: c.path.child("annotations").key(MNNVLGroupAnnotation),
    });
  }
  for (const g of v.groups) {
    out.push({
      who: `PodCliqueScalingGroup '${g.name ?? ""}'`,
      id: `pcsg/${g.name ?? ""}`,
      annotations: obj(g.raw.annotations),
      path: g.path.child("annotations").key(MNNVLGroupAnnotation),
    });
  }
  return out;
}

function value(s: Site): string | undefined {
  if (!s.annotations || !Object.hasOwn(s.annotations, MNNVLGroupAnnotation)) return undefined;
  return str(s.annotations[MNNVLGroupAnnotation]) ?? "";
}

/** M1 and M2. */
export function validateMNNVLOnCreate(v: PcsView, autoMNNVLEnabled: boolean): FieldError[] {
  const errs: FieldError[] = [];
  for (const s of sites(v)) {
    const val = value(s);
    if (val === undefined) continue;
    if (val === "") {
      errs.push(
        fieldRequired(
          s.path,
          `${MNNVLGroupAnnotation} must not be empty; use a group name or "${MNNVLOptOut}"`,
        ),
      );
      continue;
    }
    if (val !== MNNVLOptOut && isDNS1123Label(val).length > 0) {
      errs.push(
        fieldInvalid(
          s.path,
          `${MNNVLGroupAnnotation} must be "${MNNVLOptOut}" or a valid DNS-1123 label (at most 63 lower case alphanumeric characters or '-', starting and ending with an alphanumeric character)`,
          val,
        ),
      );
      continue;
    }
    if (val !== MNNVLOptOut && !autoMNNVLEnabled) {
      errs.push(
        fieldForbidden(
          s.path,
          `MNNVL is not enabled in the operator configuration. Either enable MNNVL globally (network.autoMNNVLEnabled) or remove the ${MNNVLGroupAnnotation} annotation from the ${s.who}`,
        ),
      );
    }
  }
  return errs;
}

/** U8: the annotation cannot be added, removed or changed on any layer present in both objects. */
export function validateMNNVLUpdate(v: PcsView, old: PcsView): FieldError[] {
  const errs: FieldError[] = [];
  const oldSites = new Map(sites(old).map((s) => [s.id, s]));
  for (const s of sites(v)) {
    const o = oldSites.get(s.id);
    if (!o) continue;
    const a = value(o);
    const b = value(s);
    if (a === undefined && b !== undefined) {
      errs.push(
        fieldForbidden(
          s.path,
          `annotation ${MNNVLGroupAnnotation} cannot be added after PodCliqueSet creation`,
        ),
      );
    } else if (a !== undefined && b === undefined) {
      errs.push(
        fieldForbidden(
          s.path,
          `annotation ${MNNVLGroupAnnotation} cannot be removed after PodCliqueSet creation`,
        ),
      );
    } else if (a !== b) {
      errs.push(
        fieldForbidden(
          s.path,
          `annotation ${MNNVLGroupAnnotation} is immutable and cannot be changed from "${a}" to "${b}"`,
        ),
      );
    }
  }
  return errs;
}
