// KAI-Scheduler's Queue (scheduling.run.ai/v2, cluster-scoped), as ../shared/spec/placement-peers.md
// "KAI's Queue API" describes it: per-resource quota, limit and over-quota weight, a parent queue,
// a priority; pods pick a queue with the `kai.scheduler/queue` label. Our own schema of it.
import { Type } from "@sinclair/typebox";
import { type CelRule, Int32, Str, StringList } from "./builders.js";
import { ConditionSchema, typeMeta } from "./kube.js";

/** The rule both servers apply: ours in admission (apiserver queues.ts), kube-apiserver as CEL. */
export const queueQuotaRule: CelRule = {
  rule: "!has(self.quota) || !has(self.limit) || self.limit == -1.0 || self.quota <= self.limit",
  message: "quota must not exceed limit unless limit is -1 (no limit)",
  fieldPath: ".quota",
  reason: "FieldValueInvalid",
};

/** Go's time.ParseDuration syntax (metav1.Duration): "0", or numbers with units ns, us, µs, ms, s, m, h. */
const GO_DURATION_PATTERN = "^[-+]?(0|((\\d+\\.?\\d*|\\.\\d+)(ns|us|µs|μs|ms|s|m|h))+)$";

const num = (description: string) => Type.Number({ description });

export const QueueResourceSchema = (resource: string, unit: string) =>
  Type.Object(
    {
      quota: Type.Optional(num(`Guaranteed ${resource} (${unit}); -1: unlimited, 0: none guaranteed.`)),
      limit: Type.Optional(num(`Most ${resource} the queue may use (${unit}); -1: no limit.`)),
      overQuotaWeight: Type.Optional(
        num("Share of the surplus among queues of one priority, relative to the others' weights."),
      ),
    },
    { description: `The queue's ${resource}.`, "x-kubernetes-validations": [queueQuotaRule] },
  );

export const QueueSpecSchema = Type.Object(
  {
    displayName: Type.Optional(Str({ description: "Name shown for the queue." })),
    parentQueue: Type.Optional(Str({ description: "Name of the parent Queue (hierarchical queues)." })),
    priority: Type.Optional(
      Int32({
        description:
          "Over-quota resources go first to higher-priority queues; considered first for allocation and last for reclaim (KAI's default: 100).",
      }),
    ),
    preemptMinRuntime: Type.Optional(
      Str({
        description:
          'How long a job runs before it may be preempted (a duration such as "30s", "5m", "1h30m").',
        pattern: GO_DURATION_PATTERN,
      }),
    ),
    reclaimMinRuntime: Type.Optional(
      Str({
        description:
          'How long a job runs before it may be reclaimed (a duration such as "30s", "5m", "1h30m").',
        pattern: GO_DURATION_PATTERN,
      }),
    ),
    resources: Type.Optional(
      Type.Object(
        {
          cpu: Type.Optional(QueueResourceSchema("cpu", "millicpus")),
          memory: Type.Optional(QueueResourceSchema("memory", "megabytes, 10^6 bytes")),
          gpu: Type.Optional(QueueResourceSchema("gpu", "GPUs, fractional allowed")),
        },
        { description: "Quota, limit and over-quota weight per resource." },
      ),
    ),
  },
  { description: "Desired state of the Queue." },
);

const quantities = (description: string) =>
  Type.Unsafe<Record<string, number | string>>({
    type: "object",
    additionalProperties: {
      "x-kubernetes-int-or-string": true,
      anyOf: [{ type: "integer" }, { type: "string" }],
    },
    description,
  });

export const QueueStatusSchema = Type.Object(
  {
    allocated: Type.Optional(quantities("Resources allocated to the queue and its children.")),
    allocatedNonPreemptible: Type.Optional(
      quantities("Resources allocated to non-preemptible workloads of the queue and its children."),
    ),
    requested: Type.Optional(quantities("Resources requested by the queue's and its children's workloads.")),
    childQueues: Type.Optional(
      StringList({ description: "Names of the queues whose parent this queue is." }),
    ),
    conditions: Type.Optional(Type.Array(ConditionSchema, { description: "The queue's conditions." })),
  },
  { description: "Observed state of the Queue." },
);

export const QueueSchema = Type.Object(
  {
    ...typeMeta(),
    spec: Type.Optional(QueueSpecSchema),
    status: Type.Optional(QueueStatusSchema),
  },
  { description: "A KAI scheduling queue: quota, limit and fair share of cluster resources." },
);
