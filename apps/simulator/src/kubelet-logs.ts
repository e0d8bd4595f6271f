// What grove-sim's simulated kubelets answer for `kubectl logs` (pods/log) and for exec, attach and
// port-forward. Containers do not run, so a container's log is its lifecycle as the kubelet
// reported it in the pod's status: started (with image, command and args), ready, exited with its
// code, restarted. The lines are derived from the pod each time (no log is kept), so they are the
// same on every call and survive a restart of grove-sim. Errors are kubelet's answers
// (pkg/kubelet/kubelet_pods.go validateContainerLogStatus) with their API server codes.
import type { PodLogOptions, PodProxy } from "@grove-ts/apiserver";
import { ApiError, status } from "@grove-ts/runtime";

interface ContainerSpec {
  name: string;
  image?: string;
  command?: string[];
  args?: string[];
}
interface ContainerState {
  running?: { startedAt?: string };
  waiting?: { reason?: string; message?: string };
  terminated?: { exitCode?: number; reason?: string; startedAt?: string; finishedAt?: string };
}
interface ContainerStatus {
  name: string;
  ready?: boolean;
  restartCount?: number;
  state?: ContainerState;
  lastState?: ContainerState;
}
interface PodShape {
  metadata?: { name?: string };
  spec?: { containers?: ContainerSpec[]; initContainers?: ContainerSpec[] };
  status?: {
    conditions?: { type: string; status: string; lastTransitionTime?: string }[];
    containerStatuses?: ContainerStatus[];
    initContainerStatuses?: ContainerStatus[];
  };
}

const badRequest = (message: string) => new ApiError(status(400, "BadRequest", message));

interface Line {
  at: string;
  text: string;
}

function started(c: ContainerSpec, at: string, restart: number): Line {
  const parts = [`image ${c.image ?? "(none)"}`];
  if (c.command?.length) parts.push(`command ${JSON.stringify(c.command)}`);
  if (c.args?.length) parts.push(`args ${JSON.stringify(c.args)}`);
  const verb =
    restart > 0 ? `restarted container ${c.name} (restart ${restart})` : `started container ${c.name}`;
  return { at, text: `[grove-sim] ${verb}: ${parts.join(", ")}` };
}

function exited(c: ContainerSpec, t: NonNullable<ContainerState["terminated"]>): Line {
  const why = t.reason ? ` (${t.reason})` : "";
  return {
    at: t.finishedAt ?? t.startedAt ?? "",
    text: `[grove-sim] container ${c.name} exited with code ${t.exitCode ?? 0}${why}`,
  };
}

/** The lifecycle lines of one instance of a container: its state, its restart number. */
function instance(c: ContainerSpec, state: ContainerState, restart: number, readyAt?: string): Line[] {
  const out: Line[] = [];
  if (state.running) {
    out.push(started(c, state.running.startedAt ?? "", restart));
    if (readyAt) out.push({ at: readyAt, text: `[grove-sim] container ${c.name} is ready` });
  } else if (state.terminated) {
    out.push(started(c, state.terminated.startedAt ?? state.terminated.finishedAt ?? "", restart));
    out.push(exited(c, state.terminated));
  }
  return out;
}

/** The log of `options.container` of `pod`, as kubelet would serve it. */
export function simulatedLog(pod: PodShape, options: PodLogOptions): string {
  const name = pod.metadata?.name ?? "";
  const isInit = (pod.spec?.initContainers ?? []).some((c) => c.name === options.container);
  const spec = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find(
    (c) => c.name === options.container,
  ) ?? { name: options.container };
  const statuses = isInit ? pod.status?.initContainerStatuses : pod.status?.containerStatuses;
  const st = statuses?.find((s) => s.name === options.container);
  const restarts = st?.restartCount ?? 0;
  let lines: Line[];
  if (options.previous) {
    const last = st?.lastState?.terminated;
    if (!last)
      throw badRequest(`previous terminated container "${options.container}" in pod "${name}" not found`);
    lines = instance(spec, { terminated: last }, Math.max(0, restarts - 1));
  } else {
    const waiting = st?.state?.waiting;
    if (!st?.state || (waiting && !st.state.running && !st.state.terminated))
      throw badRequest(
        `container "${options.container}" in pod "${name}" is waiting to start: ${waiting?.reason ?? "ContainerCreating"}`,
      );
    const ready = pod.status?.conditions?.find((c) => c.type === "ContainersReady");
    const readyAt = st.ready && ready?.status === "True" ? ready.lastTransitionTime : undefined;
    lines = instance(spec, st.state, restarts, readyAt);
  }
  if (options.tailLines !== undefined) lines = lines.slice(Math.max(0, lines.length - options.tailLines));
  return lines.map((l) => `${options.timestamps ? `${l.at} ` : ""}${l.text}\n`).join("");
}

/** The PodProxy grove-sim puts on its API server. */
export const simulatedKubelet: PodProxy = {
  logs: (pod, options) => simulatedLog(pod as PodShape, options),
  stream(pod, subresource, container) {
    const what = { exec: "exec", attach: "attach", portforward: "port-forward" }[subresource];
    const name = String((pod as PodShape).metadata?.name ?? "");
    throw new ApiError(
      status(
        501,
        "NotImplemented",
        `${what} into pod ${name}${container ? `, container ${container}` : ""}: grove-sim does not simulate ${what}: its containers do not run (kubectl logs shows their simulated lifecycle)`,
      ),
    );
  },
};
