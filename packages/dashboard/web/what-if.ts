// The what-if panel: a PodCliqueSet pasted (or picked from the cluster, renamed so it does not
// collide) is POSTed to api/what-if, which answers the placement problem its gangs would pose on
// the cluster now; the solver runs here, in the page (@grove-ts/placement's browser build, bundled
// by Vite), and each gang's pods are drawn as hatched GPUs on the hosts it would take, with one
// line per gang: where it would land, or the solver's reason why it would not fit.
import { type PlacementResult, solve } from "@grove-ts/placement";
import type { DashboardModel, DomainView } from "../src/model.js";
import type { WhatIf } from "../src/what-if.js";
import { esc } from "./render.js";

export interface WhatIfView {
  /** Per gang (by name): its line's HTML. */
  lines: string[];
  /** Node -> the hatched GPUs on it, in order (the what-if gang's podGang name per GPU). */
  marks: Map<string, string[]>;
}

const GPU = "nvidia.com/gpu";

/** A Kubernetes quantity as a GPU count ("8", "8000m"). */
function gpus(q: string | number | undefined): number {
  if (q === undefined) return 0;
  const s = String(q);
  const n = s.endsWith("m") ? Number(s.slice(0, -1)) / 1000 : Number(s);
  return Number.isFinite(n) ? n : 0;
}

/** node -> its domains, broadest first, from the model's tree. */
function domainsByNode(m: DashboardModel): Map<string, { level: string; name: string }[]> {
  const out = new Map<string, { level: string; name: string }[]>();
  const walk = (d: DomainView, path: { level: string; name: string }[]): void => {
    const here = d.level === "cluster" ? path : [...path, { level: d.level, name: d.name }];
    for (const h of d.hosts) out.set(h.name, here);
    for (const c of d.domains) walk(c, here);
  };
  walk(m.root, []);
  return out;
}

/** "rack rack-1 (2 nodes)": the narrowest domain holding every node, else the node count. */
export function where(m: DashboardModel, nodes: string[]): string {
  const paths = domainsByNode(m);
  const distinct = [...new Set(nodes)];
  const count = `${distinct.length} node${distinct.length === 1 ? "" : "s"}`;
  let common: { level: string; name: string } | undefined;
  const first = paths.get(distinct[0] ?? "") ?? [];
  for (let i = 0; i < first.length; i++) {
    const d = first[i] as { level: string; name: string };
    if (!distinct.every((n) => paths.get(n)?.[i]?.name === d.name)) break;
    common = d;
  }
  if (distinct.length === 1) return `${distinct[0]}${common ? ` in ${common.level} ${common.name}` : ""}`;
  return common ? `${common.level} ${common.name} (${count})` : count;
}

/** The page's view of a solved what-if. */
export function whatIfView(m: DashboardModel, w: WhatIf, r: PlacementResult): WhatIfView {
  const marks = new Map<string, string[]>();
  const lines = w.gangs.map((g, i) => {
    const gang = w.problem.gangs[i];
    const res = r.gangs.find((x) => x.name === g.name);
    const label = `<b>${esc(g.podGang)}</b>${g.scaled ? " (scaled)" : ""} · ${g.pods} pods, ${g.gpus} GPUs`;
    if (!res?.placed)
      return `<li class="wi-no" data-gang="${esc(g.podGang)}">${label}: would not fit: ${esc(res?.reason ?? "not solved")}</li>`;
    const nodes: string[] = [];
    for (const gp of res.groups) {
      const per = gpus(gang?.groups.find((x) => x.name === gp.name)?.requests?.[GPU]);
      for (const n of gp.nodes) {
        nodes.push(n);
        const list = marks.get(n) ?? [];
        for (let k = 0; k < per; k++) list.push(g.podGang);
        marks.set(n, list);
      }
    }
    return `<li class="wi-yes" data-gang="${esc(g.podGang)}">${label}: would land on ${esc(where(m, nodes))}</li>`;
  });
  return { lines, marks };
}

/** Hatches the GPUs the what-if would take: free cells of each host (heat cells past 2,048 GPUs). */
export function drawMarks(marks: Map<string, string[]>): void {
  for (const [node, list] of marks) {
    const host = document.querySelector<HTMLElement>(`.host[data-node="${CSS.escape(node)}"]`);
    const free = host ? Array.from(host.querySelectorAll<HTMLElement>(".g.free")) : [];
    list.forEach((gang, k) => {
      const cell = free[k];
      if (!cell) return;
      cell.classList.add("wi");
      cell.dataset.wi = gang;
    });
    document.querySelector(`.heat[data-node="${CSS.escape(node)}"]`)?.classList.add("wi");
  }
}

type Fetch = (path: string, init?: RequestInit) => Promise<Response>;

/** Wires the panel; returns what the page calls after each redraw (the marks survive it). */
export function setupWhatIf(get: Fetch, model: () => DashboardModel | undefined): () => void {
  const $ = (id: string) => document.getElementById(id) as HTMLElement;
  const text = $("wi-text") as HTMLTextAreaElement;
  const pick = $("wi-pick") as HTMLSelectElement;
  const out = $("wi-out");
  let marks = new Map<string, string[]>();
  const show = (html: string, state: string): void => {
    out.innerHTML = html;
    out.dataset.state = state;
  };
  pick.addEventListener("change", async () => {
    const [namespace, name] = pick.value.split("/");
    if (!name) return;
    const res = await get(
      `api/pcs?namespace=${encodeURIComponent(namespace ?? "")}&name=${encodeURIComponent(name)}`,
    );
    if (!res.ok)
      return show(`<p class="wi-err">${esc(`${res.status}: cannot read ${pick.value}`)}</p>`, "error");
    const pcs = (await res.json()) as { metadata: { name: string } };
    pcs.metadata.name = `${pcs.metadata.name}-whatif`;
    text.value = JSON.stringify(pcs, null, 2);
  });
  $("wi-run").addEventListener("click", async () => {
    marks = new Map();
    document.querySelectorAll(".wi").forEach((el) => {
      el.classList.remove("wi");
    });
    show("<p>…</p>", "running");
    const res = await get("api/what-if", {
      method: "POST",
      body: text.value,
      headers: { "content-type": "application/yaml" },
    });
    const body = (await res.json().catch(() => ({}))) as WhatIf & {
      errors?: { field: string; message: string }[];
    };
    if (!res.ok) {
      const errs = body.errors ?? [{ field: "(body)", message: `HTTP ${res.status}` }];
      return show(
        `<ul class="wi-err">${errs.map((e) => `<li><b>${esc(e.field)}</b>: ${esc(e.message)}</li>`).join("")}</ul>`,
        "error",
      );
    }
    const m = model();
    if (!m) return show('<p class="wi-err">no cluster model yet</p>', "error");
    let result: PlacementResult;
    try {
      result = solve(body.problem);
    } catch (err) {
      return show(`<p class="wi-err">${esc((err as Error).message)}</p>`, "error");
    }
    const view = whatIfView(m, body, result);
    marks = view.marks;
    show(`<p>${esc(`${body.namespace}/${body.name}`)}:</p><ul>${view.lines.join("")}</ul>`, "done");
    drawMarks(marks);
  });
  return () => {
    const m = model();
    if (m) {
      const names = [...new Set(m.gangs.filter((g) => g.pcs).map((g) => `${g.namespace}/${g.pcs}`))].sort();
      const have = Array.from(pick.options)
        .slice(1)
        .map((o) => o.value);
      if (names.join("\n") !== have.join("\n")) {
        const keep = pick.value;
        pick.innerHTML = `<option value="">pick a PodCliqueSet…</option>${names.map((n) => `<option>${esc(n)}</option>`).join("")}`;
        pick.value = names.includes(keep) ? keep : "";
      }
    }
    drawMarks(marks);
  };
}
