// Scheduler-backend validation (grove-api.md §9.5, rule V33): the backend named by clique[0]'s
// `schedulerName` (or the configured default) gets to veto the PCS. Errors are reported on `spec`.

import { type FieldError, fieldInvalid } from "../field-errors.js";
import { isDNS1123Subdomain } from "./apimachinery.js";
import { obj, str } from "./json.js";
import { cliqueScheduler, constraintSites, type PcsView, specPath } from "./model.js";
import {
  DefaultSchedulerName,
  GroveSchedulerName,
  KaiSchedulerName,
  LpxSchedulerName,
  type ResolvedOptions,
  VolcanoSchedulerName,
} from "./options.js";

export const KaiQueueKey = "kai.scheduler/queue";
export const VolcanoQueueAnnotation = "scheduling.grove.io/volcano-queue";
export const VolcanoDefaultQueue = "default";

/** The backend that validates this PCS: clique[0]'s scheduler, else the default. */
export function backendOf(v: PcsView, o: ResolvedOptions): string {
  const first = v.cliques[0];
  return first ? cliqueScheduler(first, o.defaultScheduler) : o.defaultScheduler;
}

/** `kai.scheduler/queue`: label first, annotation as fallback. */
function kaiQueue(labels: unknown, annotations: unknown): string {
  return str(obj(labels)?.[KaiQueueKey]) || str(obj(annotations)?.[KaiQueueKey]) || "";
}

function validateKai(v: PcsView): FieldError[] {
  const pcsQueue = kaiQueue(v.meta?.labels, v.meta?.annotations);
  const cliqueQueues = v.cliques.map((c) => ({
    name: c.name ?? "",
    queue: kaiQueue(c.raw.labels, c.raw.annotations),
  }));
  if (pcsQueue) {
    return cliqueQueues
      .filter((c) => c.queue && c.queue !== pcsQueue)
      .map((c) =>
        fieldInvalid(
          specPath,
          `KAI queue on PodCliqueSet (${KaiQueueKey}) is "${pcsQueue}" but PodClique template "${c.name}" resolves to "${c.queue}"`,
          c.queue,
        ),
      );
  }
  const distinct = [...new Set(cliqueQueues.map((c) => c.queue).filter((q) => q))];
  if (distinct.length > 1) {
    return [
      fieldInvalid(
        specPath,
        `conflicting KAI queues across PodClique templates: ${distinct.map((q) => `"${q}"`).join(", ")}; set ${KaiQueueKey} once on the PodCliqueSet or use the same queue on every template`,
        distinct,
      ),
    ];
  }
  if (distinct.length === 0) {
    return [
      fieldInvalid(
        specPath,
        `no KAI queue is configured: set the label ${KaiQueueKey} on the PodCliqueSet or on its PodClique templates`,
        "",
      ),
    ];
  }
  return [];
}

function rejectConstraints(v: PcsView, backend: string): FieldError[] {
  const sites = constraintSites(v);
  if (sites.length === 0) return [];
  return [
    fieldInvalid(
      specPath,
      `${backend} does not support Grove topology constraints; remove topologyConstraint from ${sites.map((s) => String(s.path)).join(", ")}`,
      backend,
    ),
  ];
}

function validateVolcano(v: PcsView, o: ResolvedOptions): FieldError[] {
  const errs = rejectConstraints(v, VolcanoSchedulerName);
  const read = (annotations: unknown) => (str(obj(annotations)?.[VolcanoQueueAnnotation]) ?? "").trim();
  const pcsQueue = read(v.meta?.annotations);
  const check = (q: string, who: string) => {
    if (q && isDNS1123Subdomain(q).length > 0) {
      errs.push(
        fieldInvalid(
          specPath,
          `volcano queue "${q}" on ${who} (${VolcanoQueueAnnotation}) must be a valid DNS-1123 subdomain`,
          q,
        ),
      );
    }
  };
  check(pcsQueue, "PodCliqueSet");
  const resolved = new Set<string>();
  for (const c of v.cliques) {
    const q = read(c.raw.annotations);
    check(q, `PodClique template "${c.name ?? ""}"`);
    if (pcsQueue && q && q !== pcsQueue) {
      errs.push(
        fieldInvalid(
          specPath,
          `volcano queue on PodCliqueSet is "${pcsQueue}" but PodClique template "${c.name ?? ""}" sets "${q}"`,
          q,
        ),
      );
    }
    resolved.add(q || pcsQueue || VolcanoDefaultQueue);
  }
  if (resolved.size > 1) {
    errs.push(
      fieldInvalid(
        specPath,
        `all PodClique templates must resolve to the same volcano queue, found ${[...resolved].map((q) => `"${q}"`).join(", ")}`,
        [...resolved],
      ),
    );
  }
  if (errs.length === 0 && o.getVolcanoQueueState) {
    const q = [...resolved][0] ?? (pcsQueue || VolcanoDefaultQueue);
    const state = o.getVolcanoQueueState(q);
    if (state === undefined) errs.push(fieldInvalid(specPath, `volcano queue "${q}" not found`, q));
    else if (state !== "Open")
      errs.push(fieldInvalid(specPath, `volcano queue "${q}" is not open (state "${state}")`, q));
  }
  return errs;
}

/** V33. */
export function validateBackend(v: PcsView, o: ResolvedOptions): FieldError[] {
  const backend = backendOf(v, o);
  if (!o.enabledSchedulers.includes(backend)) {
    return [
      fieldInvalid(specPath, `schedulerName "${backend}" is not enabled in OperatorConfiguration`, backend),
    ];
  }
  switch (backend) {
    case KaiSchedulerName:
      return validateKai(v);
    case VolcanoSchedulerName:
      return validateVolcano(v, o);
    case LpxSchedulerName:
      return rejectConstraints(v, LpxSchedulerName);
    case DefaultSchedulerName:
    case GroveSchedulerName:
      return [];
    default:
      // An enabled profile we have no rules for (operator configuration only allows the four above).
      return [];
  }
}
