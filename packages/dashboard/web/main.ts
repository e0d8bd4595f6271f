// The page's wiring: the first model from /api/model, then every change over /api/events (SSE,
// which reconnects by itself), and a tooltip for whatever GPU, pod, host or gang is under the mouse.
import type { DashboardModel } from "../src/model.js";
import { esc, gangsHtml, gangTip, pendingHtml, podTip, topologyHtml, totalsHtml } from "./render.js";
import { setupWhatIf } from "./what-if.js";

const $ = (id: string): HTMLElement => document.getElementById(id) as HTMLElement;
const token = new URLSearchParams(location.search).get("token");
const withToken = (path: string) =>
  token ? `${path}${path.includes("?") ? "&" : "?"}token=${encodeURIComponent(token)}` : path;
let model: DashboardModel | undefined;
let updates = 0;
const redrawWhatIf = setupWhatIf(
  (path, init) => fetch(withToken(path), init),
  () => model,
);

function render(m: DashboardModel): void {
  model = m;
  updates++;
  $("totals").textContent = "";
  $("totals").insertAdjacentHTML("beforeend", totalsHtml(m));
  $("topology").innerHTML = topologyHtml(m);
  $("pending").innerHTML = pendingHtml(m);
  $("gangs").innerHTML = gangsHtml(m);
  redrawWhatIf();
  document.body.dataset.updates = String(updates);
}

function state(text: string, live: boolean): void {
  $("state").textContent = text;
  $("state").classList.toggle("live", live);
}

function tipFor(el: Element): string | undefined {
  if (!model) return undefined;
  const pod = el.closest("[data-pod]") as HTMLElement | null;
  if (pod) {
    const p = model.pods[Number(pod.dataset.pod)];
    return p ? podTip(model, p) : undefined;
  }
  const heat = el.closest(".heat") as HTMLElement | null;
  if (heat) {
    const host = heat.dataset.node ?? "";
    const gangs = [
      ...new Set(
        model.pods.filter((p) => p.node === host && p.gang >= 0).map((p) => model?.gangs[p.gang]?.name),
      ),
    ];
    return `<b>${esc(host)}</b><br>${heat.dataset.used} of ${heat.dataset.gpus} GPUs used${gangs.length ? `<br>${gangs.map((g) => esc(g ?? "")).join("<br>")}` : ""}`;
  }
  const row = el.closest(".gang, .pend") as HTMLElement | null;
  if (row) {
    const g = model.gangs.find((x) => x.name === row.dataset.gang);
    return g ? gangTip(g) : undefined;
  }
  return undefined;
}

const tip = $("tip");
const highlight = document.createElement("style");
document.head.append(highlight);
document.addEventListener("mouseover", (e) => {
  const target = e.target as Element;
  const html = tipFor(target);
  const gang = (target.closest("[data-gang]") as HTMLElement | null)?.dataset.gang;
  highlight.textContent = gang ? `.g[data-gang="${CSS.escape(gang)}"]{outline:2px solid #000;z-index:1}` : "";
  if (!html) {
    tip.hidden = true;
    return;
  }
  tip.innerHTML = html;
  tip.hidden = false;
});
document.addEventListener("mousemove", (e) => {
  tip.style.left = `${Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4)}px`;
  tip.style.top = `${Math.min(e.clientY + 14, window.innerHeight - tip.offsetHeight - 4)}px`;
});

async function start(): Promise<void> {
  try {
    const res = await fetch(withToken("api/model"));
    if (res.ok) render((await res.json()) as DashboardModel);
    else state(`error ${res.status}`, false);
  } catch {
    state("offline", false);
  }
  const events = new EventSource(withToken("api/events"));
  events.addEventListener("model", (e) =>
    render(JSON.parse((e as MessageEvent<string>).data) as DashboardModel),
  );
  events.addEventListener("open", () => state("live", true));
  events.addEventListener("error", () => state("reconnecting", false));
}

void start();
