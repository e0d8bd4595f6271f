// The Events Grove's PodCliqueSet, PodCliqueScalingGroup and PodClique controllers record
// (grove-behaviour.md §3.5, §4.3, §4.5, §5.3, §9), with upstream's reasons and message texts
// (operator/internal/constants/events.go and the components that emit them). One recorder per
// controller, named as Grove's controller-runtime manager names them; recording never fails a
// reconcile (runtime's EventRecorder only queues).
import {
  type Client,
  createEventRecorder,
  type EventRecorder,
  type EventRecorderOptions,
  type KubeObject,
  type Logger,
} from "@grove-ts/runtime";

export const EventComponentPodCliqueSet = "podcliqueset-controller";
export const EventComponentPodCliqueScalingGroup = "podcliquescalinggroup-controller";
export const EventComponentPodClique = "podclique-controller";

export const ReasonPodCliqueCreateOrUpdateSuccessful = "PodCliqueCreateOrUpdateSuccessful";
export const ReasonPodCliqueCreateOrUpdateFailed = "PodCliqueCreateOrUpdateFailed";
/** The PCSG controller's, for its member PodCliques. */
export const ReasonPodCliqueCreateSuccessful = "PodCliqueCreateSuccessful";
export const ReasonPodCliqueCreateFailed = "PodCliqueCreateFailed";
export const ReasonPodCliqueDeleteSuccessful = "PodCliqueDeleteSuccessful";
export const ReasonPodCliqueDeleteFailed = "PodCliqueDeleteFailed";
export const ReasonPodCliqueScalingGroupCreateSuccessful = "PodCliqueScalingGroupCreateSuccessful";
export const ReasonPodCliqueScalingGroupCreateOrUpdateFailed = "PodCliqueScalingGroupCreateOrUpdateFailed";
export const ReasonPodCliqueScalingGroupDeleteSuccessful = "PodCliqueScalingGroupDeleteSuccessful";
export const ReasonPodCliqueScalingGroupDeleteFailed = "PodCliqueScalingGroupDeleteFailed";
export const ReasonPodGangCreateOrUpdateSuccessful = "PodGangCreateOrUpdateSuccessful";
export const ReasonPodGangCreateOrUpdateFailed = "PodGangCreateOrUpdateFailed";
export const ReasonPodGangDeleteSuccessful = "PodGangDeleteSuccessful";
export const ReasonPodGangDeleteFailed = "PodGangDeleteFailed";
export const ReasonPodCliqueSetReplicaDeleteSuccessful = "PodCliqueSetReplicaDeleteSuccessful";
export const ReasonPodCliqueSetReplicaDeleteFailed = "PodCliqueSetReplicaDeleteFailed";
export const ReasonPodCliqueScalingGroupReplicaDeleteSuccessful =
  "PodCliqueScalingGroupReplicaDeleteSuccessful";
export const ReasonPodCliqueScalingGroupReplicaDeleteFailed = "PodCliqueScalingGroupReplicaDeleteFailed";
export const ReasonPodCreateSuccessful = "PodCreateSuccessful";
export const ReasonPodCreateFailed = "PodCreateFailed";
export const ReasonPodDeleteSuccessful = "PodDeleteSuccessful";
export const ReasonPodDeleteFailed = "PodDeleteFailed";
export const ReasonAllScheduledReplicasLost = "AllScheduledReplicasLost";

/** The recorders of the three controllers. */
export interface ControllerEvents {
  pcs: EventRecorder;
  pcsg: EventRecorder;
  pclq: EventRecorder;
}

export function createControllerEvents(
  client: Client,
  logger: Logger,
  options: Omit<EventRecorderOptions, "component" | "logger"> = {},
): ControllerEvents & { stop(): Promise<void>; flush(): Promise<void> } {
  const make = (component: string) => createEventRecorder(client, { ...options, component, logger });
  const r = {
    pcs: make(EventComponentPodCliqueSet),
    pcsg: make(EventComponentPodCliqueScalingGroup),
    pclq: make(EventComponentPodClique),
  };
  const all = [r.pcs, r.pcsg, r.pclq];
  return {
    ...r,
    stop: async () => {
      await Promise.all(all.map((x) => x.stop()));
    },
    flush: async () => {
      await Promise.all(all.map((x) => x.flush()));
    },
  };
}

/** Go's client.ObjectKey as %v prints it: namespace/name. */
export const objectKey = (o: KubeObject): string =>
  o.metadata.namespace ? `${o.metadata.namespace}/${o.metadata.name ?? ""}` : (o.metadata.name ?? "");

/** An error as Go's %v prints it: its message. */
export const errText = (err: unknown): string => (err instanceof Error ? err.message : String(err));

/**
 * Runs a write and records its outcome on `on`: `ok()` gives the success message (undefined: the
 * write changed nothing, nothing to say), `failed(err)` the Warning's. The write's error is rethrown.
 */
export async function recorded<T>(
  recorder: EventRecorder,
  on: KubeObject,
  reasons: { ok: string; failed: string },
  write: () => Promise<T>,
  messages: { ok: (result: T) => string | undefined; failed: (err: unknown) => string },
): Promise<T> {
  let result: T;
  try {
    result = await write();
  } catch (err) {
    recorder.event(on, "Warning", reasons.failed, messages.failed(err));
    throw err;
  }
  const msg = messages.ok(result);
  if (msg !== undefined) recorder.event(on, "Normal", reasons.ok, msg);
  return result;
}
